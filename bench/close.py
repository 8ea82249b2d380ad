"""Closing a review, its result stored, at national scale (figures in bench/README.md).

    .venv/bin/python bench/close.py [--reviews 100]

Uses the 10,000-partnership database of bench/http_pages.py (BENCH_CLOSE_DATABASE_URL, by
default postgres://postgres@127.0.0.1:5432/ph_bench_http; seeded with `manage.py seed_scale`
when it does not hold that size and seed). Production settings.

It takes the open reviews with the most submitted self-assessments (the most ratings to
score), records a health check for each that has none, as a lead commissioner must before
closing, and then closes them one after another through the real service,
`partnerships.services.reviews.review_close`: the review locked and closed, its result
worked out by partnerships.scoring and stored (partnerships/results.py), the next review
date moved on, the audit entry and the results-published reminders written. Each close is
timed on its own, with its queries counted. WARM_UP closes come first, untimed.

Everything happens inside one transaction that is rolled back at the end, so the database
is as it was (the reminders' e-mails, queued on commit, are never sent). Prints p50, p95 and
the slowest close, and the load average before and after.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
URL = os.environ.get("BENCH_CLOSE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ph_bench_http")
ENV = {
    **os.environ,
    "DATABASE_URL": URL,
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "SECRET_KEY": "bench-close-only",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "127.0.0.1",
    "LOG_LEVEL": "WARNING",
}
WARM_UP = 5
TARGET_P95_MS = 150  # issue "One scoring truth"


class Rollback(Exception):
    """Raised to roll the whole run back."""


def _percentile(values, share) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _closer(review):
    """An editor at the partnership's lead commissioner, as the close page requires."""
    from organisations.models import Membership
    from partnerships.models import Participant

    lead = Participant.objects.filter(
        partnership=review.partnership_id,
        role=Participant.Role.LEAD_COMMISSIONER,
        left_on__isnull=True,
    ).first()
    membership = (
        Membership.objects.filter(organisation=lead.organisation_id, role=Membership.Role.EDITOR)
        .select_related("user")
        .order_by("id")
        .first()
    )
    return membership.user


def main(count: int) -> int:
    from bench.scale import ensure_database, load_average, machine_busy

    os.environ.update(ENV)
    ensure_database(URL, env=ENV)
    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.models import Count, Q
    from django.test.utils import CaptureQueriesContext

    from partnerships.models import (
        Assessment,
        HealthCheck,
        HealthCheckEntry,
        OrganisationResult,
        Review,
    )
    from partnerships.services.reviews import review_close

    reviews = list(
        Review.objects.filter(state=Review.State.OPEN)
        .annotate(
            submitted=Count("assessments", filter=Q(assessments__state=Assessment.State.SUBMITTED))
        )
        .order_by("-submitted", "id")[: count + WARM_UP]
    )
    load_before, busy_before = load_average(), machine_busy()
    timings, queries, stored = [], [], 0
    try:
        with transaction.atomic():
            prepared = []
            for review in reviews:
                by = _closer(review)
                if not HealthCheck.objects.filter(review=review).exists():
                    check = HealthCheck.objects.create(review=review, recorded_by=by)
                    HealthCheckEntry.objects.bulk_create(
                        HealthCheckEntry(health_check=check, principle=principle, rag="amber")
                        for principle in review.framework.principles.all()
                    )
                prepared.append((review, by))
            for number, (review, by) in enumerate(prepared):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    review_close(review=review, by=by, overall_rag="amber")
                    elapsed = (time.perf_counter() - started) * 1000
                if number >= WARM_UP:
                    timings.append(elapsed)
                    queries.append(len(captured))
            stored = OrganisationResult.objects.filter(
                review__in=[review for review, _ in prepared]
            ).count()
            raise Rollback
    except Rollback:
        pass
    load_after, busy_after = load_average(), machine_busy()
    submitted = [review.submitted for review in reviews[WARM_UP:]]
    p50, p95 = statistics.median(timings), _percentile(timings, 0.95)
    print(
        f"{time.strftime('%d %B %Y')}: {len(timings)} reviews closed through review_close "
        f"(after {WARM_UP} untimed), {min(submitted)} to {max(submitted)} submitted "
        f"self-assessments each; {stored:,} organisation result rows stored in all; rolled back."
    )
    print(
        f"Load average (1, 5, 15 min): {load_before} before, {load_after} after; CPUs busy "
        f"with other work: {busy_before:.0%} before, {busy_after:.0%} after."
    )
    print(
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, slowest {max(timings):.1f} ms; "
        f"{statistics.median(queries):.0f} queries a close (median; "
        f"{min(queries)} to {max(queries)})."
    )
    met = p95 < TARGET_P95_MS
    print(f"Target p95 under {TARGET_P95_MS} ms: " + ("met." if met else "NOT met."))
    return 0 if met else 1


if __name__ == "__main__":
    arguments = sys.argv[1:]
    reviews = int(arguments[arguments.index("--reviews") + 1]) if "--reviews" in arguments else 100
    sys.exit(main(reviews))
