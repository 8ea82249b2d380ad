"""`manage.py seed_scale --partnerships N [--seed S] [--today YYYY-MM-DD]`: national scale.

Fills an empty PostgreSQL database with synthetic but realistic volume, for benchmarks and
for looking at query plans. The generator is benchmark tooling and lives beside the
benchmarks (bench/seed_scale.py, which says what it makes); this command checks the
database and the arguments, runs it and prints what it counted.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from organisations.models import Organisation
from partnerships.models import Partnership


class Command(BaseCommand):
    help = "Fills an empty PostgreSQL database with national-scale synthetic partnerships."

    def add_arguments(self, parser):
        parser.add_argument("--partnerships", type=int, required=True, help="How many, e.g. 10000.")
        parser.add_argument("--seed", type=int, default=1, help="The same seed, the same data.")
        parser.add_argument(
            "--icbs",
            default=None,
            help=(
                "A CSV of real ICBs (ods_code, name, region, as import_organisations reads): "
                "the areas are those, all of them, none merged, so that import_successions "
                "can carry their real successions out afterwards."
            ),
        )
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="The day the history runs up to, as YYYY-MM-DD (default: today).",
        )

    def handle(self, *args, partnerships, seed, today, icbs=None, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale writes with PostgreSQL's COPY: set DATABASE_URL.")
        if partnerships < 1:
            raise CommandError("--partnerships must be at least 1.")
        if Partnership.objects.exists() or Organisation.objects.exists():
            raise CommandError(
                "seed_scale fills an empty database: this one already has organisations or "
                "partnerships. Create a database of its own, migrate it, and run it there."
            )
        # Imported here: bench/ is the project's tooling, not part of the installed app.
        from bench import seed_scale as generator

        try:
            real_icbs = None if icbs is None else generator.real_icbs(icbs)
        except ValueError as error:
            raise CommandError(str(error)) from None
        counts = generator.seed(
            partnerships=partnerships,
            seed=seed,
            today=today or timezone.localdate(),
            icbs=real_icbs,
        )
        for name, value in counts.items():
            self.stdout.write(f"{name}: {value:,}")
