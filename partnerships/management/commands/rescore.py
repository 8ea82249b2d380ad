from django.core.management.base import BaseCommand

from partnerships.models import Review
from partnerships.results import review_results_store

CHUNK = 500


class Command(BaseCommand):
    help = (
        "Works out and stores the result of every closed review that has none (reviews closed "
        "before results were stored, or written straight into the database). Safe to run "
        "again: a review with a stored result is left alone. --all works every result out "
        "again, after a change to the scoring rules."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="replace the stored results of every closed review"
        )

    def handle(self, *args, all=False, **options):
        reviews = Review.objects.filter(state=Review.State.CLOSED).select_related("framework")
        if not all:
            reviews = reviews.filter(result__isnull=True)
        ids = list(reviews.order_by("pk").values_list("pk", flat=True))
        stored = 0
        # A chunk at a time, each in its own transaction: memory stays flat at national scale.
        for start in range(0, len(ids), CHUNK):
            chunk = reviews.filter(pk__in=ids[start : start + CHUNK])
            stored += review_results_store(chunk, replace=all)
        plural = "" if stored == 1 else "s"
        self.stdout.write(f"Stored the result{plural} of {stored} closed review{plural}.")
