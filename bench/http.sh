#!/usr/bin/env bash
# The HTTP benchmark in one command (bench/http_pages.py says what it measures). The Python
# file is not called http.py: in bench/ it would stand in for the standard library's http.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python bench/http_pages.py "$@"
