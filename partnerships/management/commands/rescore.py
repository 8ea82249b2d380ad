from django.core.management.base import BaseCommand

from partnerships.results import closed_reviews_store


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
        stored = closed_reviews_store(replace=all)
        plural = "" if stored == 1 else "s"
        self.stdout.write(f"Stored the result{plural} of {stored} closed review{plural}.")
