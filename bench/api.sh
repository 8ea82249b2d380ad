#!/usr/bin/env bash
# The read API's benchmark: a page of 100 reviews with results at 10,000 partnerships against
# /healthz in the same run (bench/http_pages.py, its "api: 100 reviews with results").
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_PAGES="api: 100 reviews with results" BENCH_WRITES="${BENCH_WRITES:-0}" \
	exec .venv/bin/python bench/http_pages.py "$@"
