from django.core.management.base import BaseCommand

from partnerships.results import closed_reviews_store


class Command(BaseCommand):
    help = (
        "Works out and stores the result of every closed review that has none (reviews closed "
        "before results were stored, or written straight into the database), and writes "
        "again, from the stored figures, the read API's copies of a result that lacks them or "
        "was banded with other thresholds than today's. Safe to run again: a review whose "
        "result is up to date is left alone. --all works every result out again from the "
        "ratings, after a change to the scoring rules."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="replace the stored results of every closed review"
        )

    def handle(self, *args, all=False, **options):
        stored = closed_reviews_store(replace=all)
        plural = "" if stored == 1 else "s"
        self.stdout.write(f"Stored the result{plural} of {stored} closed review{plural}.")
