"""Benchmark of the reminder sweep (issue 5; figures in bench/README.md).

    .venv/bin/python bench/sweep.py

Seeds 50,000 partnerships, 20% of them due for review within the 30-day window, into a
database of its own (BENCH_SWEEP_DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/ph_bench_sweep, dropped and created afresh each run), then
measures in one run:

1. a bare `SELECT count(*)` of the due set (partnerships whose review is due within 30 days);
2. the sweep: its time, its number of queries, and how many reminders it made;
3. the sweep again: it must make none.

The first sweep is timed three times (emptying the reminder table between runs) and the
bare count eleven times; the medians are reported. Queueing is left out: the sweep's
after-commit hook is replaced by one that only counts the ids it would queue, so the
figures are PostgreSQL's work alone. Besides the partnerships, the data has what the
other branches of the sweep search through without finding anything due: 5,000 open reviews
with 10,000 assessments, and 50,000 open actions.
"""

import datetime
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get(
    "BENCH_SWEEP_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ph_bench_sweep"
)
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

PARTNERSHIPS = 50_000
DUE_EVERY = 5  # one partnership in five is due: 20%
LEADS = 1_000  # lead commissioning organisations, each with an editor and a viewer
CHARITIES = 5_000
OPEN_REVIEW_EVERY = 10  # among those not due
BATCH = 5_000


def recreate_database() -> None:
    import psycopg

    name = urlsplit(BENCH_URL).path.lstrip("/")
    if not name.startswith("ph_bench"):
        sys.exit(f"Refusing to drop {name!r}: the benchmark's database name starts with ph_bench.")
    server = BENCH_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def seed(today: datetime.date) -> int:
    """Bulk inserts; returns the size of the due set."""
    from organisations.models import Membership, Organisation, User
    from partnerships.models import Action, Assessment, Participant, Partnership, Review
    from principles.models import Framework

    framework = Framework.objects.get(version="2014")
    leads = Organisation.objects.bulk_create(
        [Organisation(name=f"ICB {n}", kind=Organisation.Kind.ICB) for n in range(LEADS)],
        batch_size=BATCH,
    )
    charities = Organisation.objects.bulk_create(
        [
            Organisation(name=f"Charity {n}", kind=Organisation.Kind.CHARITY)
            for n in range(CHARITIES)
        ],
        batch_size=BATCH,
    )
    people = User.objects.bulk_create(
        [
            User(email=f"{role}{n}@bench.example", password="!")
            for n in range(LEADS)
            for role in ("editor", "viewer")
        ],
        batch_size=BATCH,
    )
    Membership.objects.bulk_create(
        [
            Membership(
                user=person,
                organisation=leads[index // 2],
                role=Membership.Role.EDITOR if index % 2 == 0 else Membership.Role.VIEWER,
            )
            for index, person in enumerate(people)
        ],
        batch_size=BATCH,
    )

    def next_review(n):
        if n % DUE_EVERY == 0:
            return today + datetime.timedelta(days=n % 31)
        return today + datetime.timedelta(days=31 + n % 335)

    partnerships = Partnership.objects.bulk_create(
        [
            Partnership(
                name=f"Partnership {n}",
                kind=Partnership.Kind.CONTRACT,
                framework=framework,
                next_review_due=next_review(n),
            )
            for n in range(PARTNERSHIPS)
        ],
        batch_size=BATCH,
    )
    Participant.objects.bulk_create(
        [
            Participant(
                partnership=partnership, organisation=organisation, role=role, joined_on=today
            )
            for n, partnership in enumerate(partnerships)
            for organisation, role in (
                (leads[n % LEADS], Participant.Role.LEAD_COMMISSIONER),
                (charities[n % CHARITIES], Participant.Role.VCSE_PARTNER),
            )
        ],
        batch_size=BATCH,
    )
    reviewed = [
        (n, p) for n, p in enumerate(partnerships) if n % DUE_EVERY and n % OPEN_REVIEW_EVERY == 1
    ]
    reviews = Review.objects.bulk_create(
        [
            Review(
                partnership=partnership,
                framework=framework,
                opened_on=today,
                due_on=today + datetime.timedelta(days=60),
            )
            for _, partnership in reviewed
        ],
        batch_size=BATCH,
    )
    Assessment.objects.bulk_create(
        [
            Assessment(review=review, organisation=organisation)
            for (n, _), review in zip(reviewed, reviews, strict=True)
            for organisation in (leads[n % LEADS], charities[n % CHARITIES])
        ],
        batch_size=BATCH,
    )
    Action.objects.bulk_create(
        [
            Action(
                partnership=partnership,
                description="Agree a lighter quarterly report",
                owner_organisation=charities[n % CHARITIES],
                due_on=today + datetime.timedelta(days=30 + n % 200),
            )
            for n, partnership in enumerate(partnerships)
        ],
        batch_size=BATCH,
    )
    return sum(1 for n in range(PARTNERSHIPS) if n % DUE_EVERY == 0)


def main() -> None:
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from partnerships.models import Reminder
    from partnerships.services import reminders

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    due = seed(today)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seeded = time.perf_counter() - started

    queued: list[int] = []
    reminders._queue = queued.extend  # count what would be queued; time PostgreSQL alone

    def median_time(sql, params, runs=11):
        times = []
        for _ in range(runs):
            with connection.cursor() as cursor:
                start = time.perf_counter()
                cursor.execute(sql, params)
                (counted,) = cursor.fetchone()
                times.append(time.perf_counter() - start)
        return statistics.median(times), counted

    # The due partnerships alone: an index-only scan of next_review_due.
    bare, counted = median_time(
        "SELECT count(*) FROM partnerships_partnership WHERE next_review_due BETWEEN %s AND %s",
        (today, today + datetime.timedelta(days=30)),
    )
    assert counted == due, (counted, due)
    # The due set as the sweep selects it: each due reminder with its recipient, every kind.
    selection, params = reminders.selection_sql(reminders.due_rows(today))
    due_set, due_set_count = median_time(f"SELECT count(*) FROM ({selection}) due", params)

    first_times = []
    for run in range(3):
        if run:
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE partnerships_reminder")
        queued.clear()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            first = reminders.sweep()
            first_times.append(time.perf_counter() - start)
    statements = [q["sql"] for q in queries.captured_queries]
    with CaptureQueriesContext(connection) as again_queries:
        start = time.perf_counter()
        second = reminders.sweep()
        second_time = time.perf_counter() - start

    sweep = statistics.median(first_times)
    ms = 1000
    print(f"Seeded {PARTNERSHIPS:,} partnerships ({due:,} due) and migrated in {seeded:.1f} s")
    print(f"Count of due partnerships:  {bare * ms:7.1f} ms  ({counted:,} rows, median)")
    print(f"Count of the due set:       {due_set * ms:7.1f} ms  ({due_set_count:,} rows, median)")
    print(
        f"Sweep, first:               {sweep * ms:7.1f} ms  ({first.created:,} reminders made; "
        f"{len(statements)} statements; runs "
        + ", ".join(f"{t * ms:.0f}" for t in first_times)
        + " ms)"
    )
    print(
        f"Sweep, again:               {second_time * ms:7.1f} ms  ({second.created} made; "
        f"{len(again_queries.captured_queries)} statements)"
    )
    print(
        f"First sweep / counts:       {sweep / due_set:7.1f} × the due set, "
        f"{sweep / bare:.0f} × the due partnerships"
    )
    print(
        f"Repeat sweep / counts:      {second_time / due_set:7.1f} × the due set, "
        f"{second_time / bare:.0f} × the due partnerships"
    )
    print(f"Queued by the first sweep:  {len(queued):,} ids")
    print("The last first sweep, statement by statement:")
    for query in queries.captured_queries:
        print(f"  {float(query['time']) * ms:7.1f} ms  {query['sql'][:80]}")
    assert first.created == due == Reminder.objects.count()
    assert second.created == 0


if __name__ == "__main__":
    main()
