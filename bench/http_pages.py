"""Throughput and latency of the busiest pages at national scale, against the ceiling of a
bare view in the same server (issue 8; figures in bench/README.md).

    bench/http.sh        (or .venv/bin/python bench/http_pages.py)

Seeds 10,000 partnerships with `manage.py seed_scale` into a database of its own
(BENCH_HTTP_DATABASE_URL, by default postgres://postgres@127.0.0.1:5432/ph_bench_http;
reused while it holds the same size and seed), collects the static files, and starts
gunicorn with config/gunicorn.py and production settings (DEBUG off, persistent database
connections, JSON logs; plain http, as on loopback behind a proxy). Then wrk (Debian's;
installed when missing) sends requests for DURATION seconds, after WARM_UP seconds unmeasured,
over CONNECTIONS connections on loopback, to:

- /healthz, the ceiling: the smallest view, through the same middleware, with one query;
- the dashboard, a partnership page, a review's results and the report page, as a signed-in
  commissioner (an editor at the ICB with the most partnerships) whose session is made the
  way the sign-in pages leave it.

It prints requests per second, p50 and p95 latency for each, and each page's throughput as a
share of the ceiling's. Every measured response must be a 200: a redirect to the sign-in page
would be fast and wrong.
"""

import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
URL = os.environ.get("BENCH_HTTP_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ph_bench_http")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
DURATION = int(os.environ.get("BENCH_DURATION", "15"))
WARM_UP = int(os.environ.get("BENCH_WARM_UP", "3"))
# The ceiling and the dashboard are measured in turn this many times, and each ratio is of
# the same round: on a shared machine the ceiling moves by a third from run to run.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
TARGET_SHARE, TARGET_P95_MS = 0.20, 100  # the dashboard's, from the issue

# wrk prints a line of JSON at the end: the figures this script reads.
REPORT_LUA = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
    .. '"non_2xx_3xx": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("Installing wrk …", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk")


def _machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // (1024 * 1024)
    return f"{os.cpu_count()} cores ({cpu}), {memory} GB, Python {platform.python_version()}"


def _get(url, cookie=None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _median(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def measure(wrk, script, url, cookie) -> dict:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    base = [wrk, "-t2", f"-c{CONNECTIONS}", "-s", script, *headers]
    subprocess.run([*base, f"-d{WARM_UP}s", url], check=True, capture_output=True)
    output = subprocess.run(
        [*base, f"-d{DURATION}s", "--timeout", "10s", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    if figures["non_2xx_3xx"] or figures["socket_errors"]:
        sys.exit(f"{url}: {figures}\n{output}")
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def main() -> int:
    from bench.scale import ensure_database, pages, people, session_for

    wrk = _wrk()
    static_root = Path(tempfile.mkdtemp(prefix="ph-bench-static-"))
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": URL,
        "DEBUG": "false",
        "SECRET_KEY": "bench-http-only-not-a-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",  # loopback speaks plain http, as behind a proxy
        "CONN_MAX_AGE": "60",
        "STATIC_ROOT": str(static_root),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        # No worker is recycled during a run: a restart would show in the figures as a
        # pause that production, at its far lower rate per worker, seldom has.
        "WEB_MAX_REQUESTS": "0",
    }
    os.environ.update(env)
    seeded = ensure_database(URL, env=env)
    subprocess.run(
        [sys.executable, ROOT / "manage.py", "collectstatic", "--no-input", "-v0"],
        env=env,
        check=True,
    )
    import django

    django.setup()
    from django.conf import settings

    cast = people()
    targets = pages(cast)
    cookie = f"{settings.SESSION_COOKIE_NAME}={session_for(cast['commissioner'][0])}"

    log = static_root / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [ROOT / ".venv" / "bin" / "gunicorn", "--config", "config/gunicorn.py", "config.wsgi"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    script = static_root / "report.lua"
    script.write_text(REPORT_LUA)
    results = {}
    try:
        for _ in range(150):
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            sys.exit(f"gunicorn did not start:\n{log.read_text()}")
        workers = len(re.findall("Booting worker", log.read_text()))
        runs = [("ceiling: /healthz", "/healthz", None)]
        runs += [(name, path, cookie) for name, (_, path) in targets.items()]
        for _, path, with_cookie in runs:
            status, body = _get(base + path, with_cookie)
            if status != 200 or (with_cookie and "Sign out" not in body):
                sys.exit(f"{path} answered {status} before the run; not signed in?")
        rounds = runs[:2] * ROUNDS + runs[2:]
        for number, (name, path, with_cookie) in enumerate(rounds, start=1):
            print(f"Measuring {name} ({path}), {number} of {len(rounds)} …", flush=True)
            results.setdefault(name, []).append(measure(wrk, str(script), base + path, with_cookie))
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(static_root, ignore_errors=True)

    ceilings = [figures["rps"] for figures in results["ceiling: /healthz"]]
    ratios = [
        page["rps"] / ceiling for page, ceiling in zip(results["dashboard"], ceilings, strict=True)
    ]
    results = {name: _median(runs) for name, runs in results.items()}
    ceiling = results["ceiling: /healthz"]["rps"]
    print()
    print(f"{time.strftime('%d %B %Y')}, {_machine()}")
    print(
        f"gunicorn: {workers} sync workers; wrk: 2 threads, {CONNECTIONS} connections, "
        f"{DURATION} s after {WARM_UP} s of warm-up; the ceiling and the dashboard "
        f"{ROUNDS} times in turn (medians shown)."
        + (f" Seeded in {seeded:.0f} s." if seeded else "")
    )
    print()
    print("| | Requests/s | p50 | p95 | p99 | Throughput against the ceiling |")
    print("|---|---|---|---|---|---|")
    for name, figures in results.items():
        share = figures["rps"] / ceiling
        print(
            f"| {name} | {figures['rps']:.0f} | {figures['p50_us'] / 1000:.1f} ms "
            f"| {figures['p95_us'] / 1000:.1f} ms | {figures['p99_us'] / 1000:.1f} ms "
            f"| {share:.0%} |"
        )
    dashboard = results["dashboard"]
    share, p95 = statistics.median(ratios), dashboard["p95_us"] / 1000
    print(
        "\nDashboard against the ceiling, round by round: "
        + ", ".join(
            f"{ratio:.0%} (ceiling {rps:.0f} req/s)"
            for ratio, rps in zip(ratios, ceilings, strict=True)
        )
    )
    met = share >= TARGET_SHARE and p95 < TARGET_P95_MS
    print(
        f"\nDashboard: {share:.0%} of the ceiling (target at least {TARGET_SHARE:.0%}), "
        f"p95 {p95:.1f} ms (target under {TARGET_P95_MS} ms): " + ("met." if met else "NOT met.")
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
