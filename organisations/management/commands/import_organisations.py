"""Load or update organisations from a CSV file.

    manage.py import_organisations icbs.csv

The first line names the columns. Required: ods_code, name, region (as in an NHS ODS extract
of ICBs). Optional: kind (a value or label of Organisation.Kind; a new organisation without
one is an ICB), charity_number, charity_regulator (CCEW, OSCR or CCNI; inferred from the
number's form when blank), company_number. Other columns are ignored.

Organisations are matched by ODS code, or by charity regulator and number when a row has no
ODS code, so running the same file twice changes nothing. Each row is validated like any
other edit and saved on its own: a bad row is reported on stderr as `line N: field: message`
and the other rows still load.
"""

import csv

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import BaseCommand, CommandError

from organisations.services import organisation_import_row

REQUIRED_COLUMNS = ["ods_code", "name", "region"]


class Command(BaseCommand):
    help = "Load or update organisations from a CSV file (ods_code, name, region, ...)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the CSV file")

    def handle(self, *args, file, **options):
        counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        try:
            # utf-8-sig drops the byte order mark Excel writes at the start.
            with open(file, encoding="utf-8-sig", newline="") as csv_file:
                reader = csv.DictReader(csv_file)
                columns = [name.strip().lower() for name in reader.fieldnames or []]
                for column in REQUIRED_COLUMNS:
                    if column not in columns:
                        raise CommandError(
                            f"{file} has no “{column}” column. The first line must name "
                            f"at least these columns: {', '.join(REQUIRED_COLUMNS)}."
                        )
                reader.fieldnames = columns
                for row in reader:
                    if not any((row[column] or "").strip() for column in columns):
                        continue
                    try:
                        counts[organisation_import_row(row=row)] += 1
                    except ValidationError as error:
                        counts["rejected"] += 1
                        # line_num counts physical lines read, blank ones and the header too.
                        self._report(reader.line_num, error)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text; save it as “CSV UTF-8”.") from None

        self.stdout.write(
            f"Created {counts['created']}, updated {counts['updated']}, "
            f"rejected {counts['rejected']}."
        )

    def _report(self, line, error):
        if hasattr(error, "error_dict"):
            errors = error.message_dict.items()
        else:
            errors = [(NON_FIELD_ERRORS, error.messages)]
        for field, messages in errors:
            prefix = f"line {line}: " if field == NON_FIELD_ERRORS else f"line {line}: {field}: "
            for message in messages:
                self.stderr.write(prefix + message)
