"""The query plans of the busiest pages at national scale (issue 8; summary in bench/README.md).

    .venv/bin/python bench/explain.py [--verbose]

Seeds 10,000 partnerships with `manage.py seed_scale` into a database of its own
(BENCH_EXPLAIN_DATABASE_URL, by default postgres://postgres@127.0.0.1:5432/ph_bench_explain;
reused while it holds the same size and seed), then fetches each page below through
Django's test client as a signed-in person, and runs `EXPLAIN (FORMAT JSON)` of every query
the page sends, on the same connection just before it runs (`EXPLAIN ANALYZE`, so that only
the parts of a plan that ran count). For each page it prints the number of queries, their
time, and how each large table is read; `--verbose` prints every plan.

A large table is one with at least LARGE_ROWS rows. A sequential scan of one is flagged,
and the script exits with status 1 if a commissioner's or a charity lead's page has one.
A platform admin's pages are listed apart: they span the platform (every partnership
counted, every organisation offered in the report's pickers, every review's stored result
aggregated), so reading a whole table once is their cheapest plan.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
URL = os.environ.get(
    "BENCH_EXPLAIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ph_bench_explain"
)
ENV = {
    **os.environ,
    "DATABASE_URL": URL,
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "SECRET_KEY": "bench-explain-only",
    "DEBUG": "false",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_COOKIES": "false",
    "ALLOWED_HOSTS": "testserver,127.0.0.1",
}
LARGE_ROWS = 10_000
STATEMENTS = ("SELECT", "WITH")


class Explainer:
    """An execute wrapper: explains each query, then runs it and times it."""

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        plan = None
        statement = sql.lstrip().upper()
        if not many and statement.startswith(STATEMENTS):
            # A query is run for its plan (ANALYZE), so the plan says which parts ran. A
            # cursor of its own: the page's may be a server-side one, for one query only.
            with context["connection"].connection.cursor() as raw:
                raw.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
                plan = raw.fetchone()[0][0]["Plan"]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            self.queries.append({"sql": sql, "plan": plan, "ms": elapsed})


def scans(plan) -> list[tuple[str, str, str]]:
    """(table, how, index) for every table the plan reads."""
    found = []
    if plan.get("Actual Loops") == 0:
        return found  # planned, never run: e.g. the unused half of an alternative subplan
    relation = plan.get("Relation Name")
    if relation:
        found.append((relation, plan["Node Type"], plan.get("Index Name", "")))
    elif plan["Node Type"] == "Bitmap Index Scan":
        found.append(("(bitmap)", plan["Node Type"], plan.get("Index Name", "")))
    for child in plan.get("Plans", ()):
        found.extend(scans(child))
    return found


def large_tables() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class "
            "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND reltuples >= %s",
            [LARGE_ROWS],
        )
        return dict(cursor.fetchall())


def measure(client, path, explainer):
    from django.db import connection

    client.get(path)  # warm: the first request checks the session and loads the code
    explainer.queries = []
    with connection.execute_wrapper(explainer):
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (path, response.status_code)
    return elapsed, list(explainer.queries)


def main(verbose: bool) -> int:
    from bench.scale import ensure_database, pages, people, session_for

    os.environ.update(ENV)
    ensure_database(URL, env=ENV)
    # The pages link to the collected, hashed static files, as in production.
    os.environ["STATIC_ROOT"] = ENV["STATIC_ROOT"] = tempfile.mkdtemp(prefix="ph-explain-")
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--no-input", "-v0"],
        env=ENV,
        check=True,
    )
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    cast = people()
    large = large_tables()
    targets = [
        (f"{name} ({person_name(cast, p)})", p, path) for name, (p, path) in pages(cast).items()
    ]
    charity_lead = cast["charity lead"][0]
    admin = cast["admin"][0]
    icb = cast["commissioner"][1]
    reports = reverse("partnerships:reports")
    targets.append(("dashboard (charity lead)", charity_lead, reverse("dashboard")))
    # A platform admin's pages span the platform: counting every partnership, offering every
    # organisation in the report's pickers and aggregating every review's stored result read
    # whole tables.
    informational = [
        ("dashboard (admin)", admin, reverse("dashboard")),
        ("report filtered to one ICB (admin)", admin, f"{reports}?icb={icb.code}"),
        ("report of every partnership (admin)", admin, reports),
    ]

    print(f"Large tables (at least {LARGE_ROWS:,} rows):")
    for table, rows in sorted(large.items(), key=lambda item: -item[1]):
        print(f"  {table}: {rows:,}")
    flagged = 0
    explainer = Explainer()
    for group, entries in (("Pages", targets), ("Informational", informational)):
        print(f"\n{group}:")
        for name, person, path in entries:
            client = Client()
            client.cookies[settings.SESSION_COOKIE_NAME] = session_for(person)
            elapsed, queries = measure(client, path, explainer)
            reads = Counter()
            seq = []
            for query in queries:
                for table, how, index in scans(query["plan"]) if query["plan"] else ():
                    if table in large:
                        reads[f"{table}: {how}{f' ({index})' if index else ''}"] += 1
                        if how == "Seq Scan":
                            seq.append((table, query))
            print(
                f"  {name}: {len(queries)} queries, {sum(q['ms'] for q in queries):.1f} ms in "
                f"the database, {elapsed:.0f} ms the whole request"
            )
            for read, count in sorted(reads.items()):
                print(f"      {read}{f' ×{count}' if count > 1 else ''}")
            for table, query in seq:
                print(
                    f"    SEQUENTIAL SCAN of {table} ({query['ms']:.1f} ms): {query['sql'][:300]}"
                )
            if group == "Pages":
                flagged += len(seq)
            if verbose:
                for query in queries:
                    print(f"    -- {query['ms']:.1f} ms: {query['sql'][:2000]}")
                    if query["plan"]:
                        print("    " + json.dumps(query["plan"], indent=1)[:6000])
    print(
        f"\n{flagged} sequential scan(s) of large tables on the pages."
        if flagged
        else "\nNo sequential scan of a large table on the pages."
    )
    return 1 if flagged else 0


def person_name(cast, person) -> str:
    return next(name for name, (p, _) in cast.items() if p == person)


if __name__ == "__main__":
    sys.exit(main(verbose="--verbose" in sys.argv))
