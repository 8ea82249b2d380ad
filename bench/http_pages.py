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
- the accessibility statement signed in: a page with no content of its own, so what every
  signed-in page pays for its session, person, memberships, two-factor check and header;
- the dashboard, a partnership page, a review's results and the report page, as a signed-in
  commissioner (an editor at the ICB with the most partnerships: the busiest one), and the
  report page of every partnership as a platform admin; each session is made the way the
  sign-in pages leave it.

The ceiling and the pages are measured ROUNDS times in turn (the ceiling first in each
round), and each page's share of the ceiling is of its own round, since the ceiling moves by
a third from run to run on a shared machine. BENCH_PAGES (names, comma-separated) measures
only some pages. It prints requests per second, p50, p95 and p99 latency for each (medians
of the rounds), each page's share of the ceiling round by round, the load average before
and after, and whether each target of TARGETS is met; it exits with 1 when one is not.
Every measured response must be a 200: a redirect to the sign-in page would be fast and
wrong.

Throughout, bench/writes.py makes BENCH_WRITES (default 5) writes a second as other people
(a principle of a self-assessment saved, an action updated, a member's role changed), through
the same services and the same shared cache as the server (CACHE_URL: a Redis database of its
own, emptied at the start). BENCH_WRITES=0 measures without them.
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
# The ceiling and the pages are measured in turn this many times, and each ratio is of the
# same round: on a shared machine the ceiling moves by a third from run to run.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
API_REVIEWS = "api: 100 reviews with results"
ONLY = [name for name in os.environ.get("BENCH_PAGES", "").split(",") if name]
WRITES_A_SECOND = float(os.environ.get("BENCH_WRITES", "5"))
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/2")
# Each page's targets (issues 8 and "One scoring truth"): the least share of the ceiling's
# requests a second, and the most p95 latency in milliseconds, at CONNECTIONS connections.
TARGETS = {
    "empty page (signed in)": (0.50, None),
    "dashboard": (0.20, 60),
    "partnership": (0.12, None),
    "results": (0.12, None),
    "report": (None, 250),
    "report (admin)": (None, 600),
    # The read API ("A read API for analysts and BI tools"): a page of 100 closed reviews with
    # their results, as the commissioner's token reads them.
    API_REVIEWS: (None, 100),
}

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


def _header(sent: str | None) -> dict:
    """ "Cookie: …" or "Authorization: …" as a dict; None sends neither."""
    if not sent:
        return {}
    name, _, value = sent.partition(": ")
    return {name: value}


def _get(url, sent=None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=_header(sent))
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


CEILING = "ceiling: /healthz"


def measure(wrk, script, url, sent, other_work) -> dict:
    headers = ["-H", sent] if sent else []
    base = [wrk, f"-t{min(2, CONNECTIONS)}", f"-c{CONNECTIONS}", "-s", script, *headers]
    subprocess.run([*base, f"-d{WARM_UP}s", url], check=True, capture_output=True)
    other_work.start()
    output = subprocess.run(
        [*base, f"-d{DURATION}s", "--timeout", "30s", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    figures["other_work"] = other_work.stop()
    if figures["non_2xx_3xx"] or figures["socket_errors"]:
        sys.exit(f"{url}: {figures}\n{output}")
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def main() -> int:
    import psycopg

    from bench.scale import (
        OtherWork,
        children_of,
        ensure_database,
        load_average,
        machine_busy,
        pages,
        people,
        session_for,
    )

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
        # The cache every web process shares (sessions, each person's frame), as production.
        "CACHE_URL": CACHE_URL,
        # The API's per-token limit is not what is measured, but its count is: DRF keeps
        # the time of each request within the window, so a window of a second keeps about
        # as many here (some 100) as the default 120 a minute does in production.
        "API_RATE": "1000000/sec",
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
    import redis
    from django.conf import settings

    redis.Redis.from_url(CACHE_URL).flushdb()  # nothing kept from an earlier run
    cast = people()
    targets = {"empty page (signed in)": (cast["commissioner"][0], "/accessibility/")}
    targets.update(pages(cast))
    # The report of every partnership, as a platform admin: the largest aggregate there is.
    targets["report (admin)"] = (cast["admin"][0], targets["report"][1])
    if ONLY:
        targets = {name: target for name, target in targets.items() if name in ONLY}
    sessions = {}
    for person, _ in targets.values():
        if person.pk not in sessions:
            sessions[person.pk] = f"Cookie: {settings.SESSION_COOKIE_NAME}={session_for(person)}"
    sent = {name: sessions[person.pk] for name, (person, _) in targets.items()}
    if not ONLY or API_REVIEWS in ONLY:
        from api.services import token_create

        commissioner = cast["commissioner"][0]
        _, secret = token_create(user=commissioner, name="Benchmark", days=30)
        targets[API_REVIEWS] = (commissioner, "/api/v1/reviews?state=closed&page_size=100")
        sent[API_REVIEWS] = f"Authorization: Bearer {secret}"

    load_before, busy_before = load_average(), machine_busy()  # before the server starts
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
    sessions_of_server = psycopg.connect(URL, autocommit=True)

    def ours() -> list[int]:
        backends = sessions_of_server.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        ).fetchall()
        writes = [writer.pid] if writer is not None else []  # part of the benchmark too
        return [server.pid, *children_of(server.pid), *writes, *(pid for (pid,) in backends)]

    other_work = OtherWork(ours)
    writer = None
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
        runs = [(CEILING, "/healthz", None)]
        runs += [(name, path, sent[name]) for name, (_, path) in targets.items()]
        for name, path, header in runs:
            status, body = _get(base + path, header)
            signed_in = name == API_REVIEWS or not header or "Sign out" in body
            if status != 200 or not signed_in:
                sys.exit(f"{path} answered {status} before the run; not signed in?")
            if name == API_REVIEWS and len(json.loads(body)["results"]) != 100:
                sys.exit(f"{path} listed fewer than 100 reviews: not the page to measure")
        rounds = runs * ROUNDS
        if WRITES_A_SECOND:
            writer = subprocess.Popen(
                [
                    sys.executable,
                    ROOT / "bench" / "writes.py",
                    str(WRITES_A_SECOND),
                    str(cast["commissioner"][0].pk),
                ],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            time.sleep(3)  # its set-up, before the first measurement
            if writer.poll() is not None:
                sys.exit("bench/writes.py stopped before the first measurement")
        for number, (name, path, header) in enumerate(rounds, start=1):
            print(
                f"Measuring {name} ({path}), {number} of {len(rounds)}; load {load_average()} …",
                flush=True,
            )
            results.setdefault(name, []).append(
                measure(wrk, str(script), base + path, header, other_work)
            )
    finally:
        writes = None
        if writer is not None:
            writer.terminate()
            output = writer.communicate(timeout=60)[0].strip().splitlines()
            writes = json.loads(output[-1]) if output else None
        sessions_of_server.close()
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(static_root, ignore_errors=True)
    load_after, busy_after = load_average(), machine_busy()

    ceilings = [figures["rps"] for figures in results[CEILING]]
    ratios = {
        name: [page["rps"] / ceiling for page, ceiling in zip(runs_, ceilings, strict=True)]
        for name, runs_ in results.items()
    }
    medians = {name: _median(runs_) for name, runs_ in results.items()}
    print()
    print(f"{time.strftime('%d %B %Y')}, {_machine()}")
    print(
        f"gunicorn: {workers} sync workers; wrk: {min(2, CONNECTIONS)} threads, "
        f"{CONNECTIONS} connections, "
        f"{DURATION} s after {WARM_UP} s of warm-up; the ceiling and the pages {ROUNDS} times "
        f"in turn (medians shown). Load average (1, 5, 15 min): {load_before} before, "
        f"{load_after} after; CPUs busy with other work: {busy_before:.0%} before, "
        f"{busy_after:.0%} after." + (f" Seeded in {seeded:.0f} s." if seeded else "")
    )
    print()
    print(
        "| | Requests/s | p50 | p95 | p99 | Throughput against the ceiling "
        "| CPUs taken by other work |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, figures in medians.items():
        share = statistics.median(ratios[name])
        rounds_ = ", ".join(f"{ratio:.0%}" for ratio in ratios[name])
        other = ", ".join(f"{run['other_work']:.0%}" for run in results[name])
        print(
            f"| {name} | {figures['rps']:.0f} | {figures['p50_us'] / 1000:.1f} ms "
            f"| {figures['p95_us'] / 1000:.1f} ms | {figures['p99_us'] / 1000:.1f} ms "
            f"| {share:.1%}"
            + (f" (rounds: {rounds_})" if name != CEILING else "")
            + f" | {other} |"
        )
    if writes:
        made = sum(writes["writes"].values())
        print(
            f"\nWrites by other people while measuring: {made} in {writes['seconds']:.0f} s "
            f"({made / writes['seconds']:.1f} a second; "
            + ", ".join(f"{count} {name}" for name, count in writes["writes"].items())
            + ")."
        )
    elif WRITES_A_SECOND:
        print("\nThe writes did not report: their figures are unknown.")
    print("\nCeiling round by round: " + ", ".join(f"{rps:.0f} req/s" for rps in ceilings))
    missed = 0
    print()
    for name, (least_share, most_p95) in TARGETS.items():
        if name not in medians:
            continue
        share, p95 = statistics.median(ratios[name]), medians[name]["p95_us"] / 1000
        checks = []
        if least_share is not None:
            checks.append(
                (
                    share >= least_share,
                    f"{share:.1%} of the ceiling (target at least {least_share:.0%})",
                )
            )
        if most_p95 is not None:
            checks.append((p95 < most_p95, f"p95 {p95:.0f} ms (target under {most_p95} ms)"))
        if not medians[name]["requests"]:
            # wrk reports no latency when no request finished: that is not a fast page.
            checks.append((False, "no request finished in the time"))
        met = all(ok for ok, _ in checks)
        missed += not met
        print(
            f"{name}: "
            + ", ".join(text for _, text in checks)
            + (": met." if met else ": NOT met.")
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
