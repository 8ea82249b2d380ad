"""Production serving: collectstatic with the manifest storage, then a real gunicorn with the
production settings (config/gunicorn.py, DEBUG off) serving a page, its hashed and
compressed static files (GOV.UK Frontend's source map too) and JSON logs."""

import gzip
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.template import engines

ROOT = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent
YEAR = "max-age=315360000"
# So that the test database exists: gunicorn answers /healthz from it.
pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict  # the test database, once it is set up
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _get(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup):
    """gunicorn on a free port, as in production; yields its address and log file."""
    static_root = tmp_path_factory.mktemp("static")
    log = tmp_path_factory.mktemp("log") / "gunicorn.log"
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "production-test-only",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",  # plain http on loopback
        "STATIC_ROOT": str(static_root),
        "DATABASE_URL": _database_url(),
        "CONN_MAX_AGE": "60",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "LOG_FORMAT": "json",
    }
    subprocess.run(
        [BIN / "python", ROOT / "manage.py", "collectstatic", "--no-input", "-v0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    with log.open("w") as out:
        process = subprocess.Popen(
            [BIN / "gunicorn", "--config", "config/gunicorn.py", "config.wsgi"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail(f"gunicorn did not answer:\n{log.read_text()}")
        yield base, static_root, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def _static_urls(base) -> list[str]:
    status, _, body = _get(f"{base}/accounts/sign-in/")
    assert status == 200
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', body.decode())


def test_pages_link_to_hashed_names(server):
    base, _, _ = server
    urls = _static_urls(base)
    assert any(re.search(r"/css/main\.[0-9a-f]{12}\.css$", url) for url in urls), urls
    assert any(re.search(r"/js/init\.[0-9a-f]{12}\.mjs$", url) for url in urls), urls


def _govuk_frontend(base) -> str:
    """GOV.UK Frontend's script, by the hashed name the page's module imports it by."""
    module = next(url for url in _static_urls(base) if url.endswith(".mjs"))
    status, _, body = _get(base + module)
    assert status == 200
    match = re.search(rb'from "\./(govuk-frontend\.min\.[0-9a-f]{12}\.js)"', body)
    assert match, body
    return module.rsplit("/", 1)[0] + "/" + match.group(1).decode()


def test_static_files_are_compressed_and_kept_for_a_year(server):
    base, _, _ = server
    css = next(url for url in _static_urls(base) if url.endswith(".css"))
    status, headers, body = _get(base + css, **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert YEAR in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]
    assert b"govuk" in gzip.decompress(body)


def test_govuk_frontends_source_map_is_hashed_and_served(server):
    base, static_root, _ = server
    script = _govuk_frontend(base)
    status, headers, body = _get(base + script)
    assert YEAR in headers["Cache-Control"]
    assert status == 200
    match = re.search(rb"sourceMappingURL=(govuk-frontend\.min\.js\.[0-9a-f]{12}\.map)", body)
    assert match, body[-200:]
    map_url = script.rsplit("/", 1)[0] + "/" + match.group(1).decode()
    status, headers, body = _get(base + map_url)
    assert status == 200 and YEAR in headers["Cache-Control"]
    assert json.loads(body)["version"] == 3
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    assert manifest["paths"]["js/govuk-frontend.min.js.map"] == map_url.removeprefix("/static/")


def test_a_name_not_in_the_manifest_is_not_found(server):
    base, _, _ = server
    assert _get(f"{base}/static/css/nothing-here.css")[0] == 404


def test_logs_are_json_lines_without_secrets(server):
    base, _, log = server
    _get(f"{base}/organisations/invitations/a-secret-token/")
    time.sleep(0.5)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert any(line["path"] == "/healthz" and line["status"] == 200 for line in access)
    assert "a-secret-token" not in log.read_text()
    assert any(line["path"] == "/organisations/invitations/…/" for line in access)


def test_templates_are_compiled_once_per_process():
    loader = engines["django"].engine.template_loaders[0]
    assert type(loader).__module__ == "django.template.loaders.cached"
