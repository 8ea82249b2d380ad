"""Load or update organisations from a CSV file.

    manage.py import_organisations icbs.csv

Two layouts are read (docs/registers.md):

- a CSV whose first line names the columns: name and at least one identifier (ods_code,
  charity_number or company_number) are required. Optional: region (a name, or an NHS
  England code Y56 to Y63), kind (a value or label of Organisation.Kind), charity_regulator
  (CCEW, OSCR or CCNI; inferred from the number's form when blank), active_from, active_to,
  icb_ods_code. The Charity Commission for Northern Ireland's register is read as it is
  published (reg_charity_number, name, company_number; 0 is no company). Other columns are
  ignored;
- an NHS ODS extract (etr and its like), which has no header line: code, name, NHS England
  region code, ICB code, address, postcode, open date, close date, …, each body an NHS trust.

Organisations are matched by ODS code, else by charity regulator and number, else by company
number, so running the same file twice changes nothing. An identifier that appears on two
lines is taken from the first; the second is reported. Each row is validated like any other
edit and saved on its own: a bad row is reported on stderr as `line N: field: message` and
the other rows still load.
"""

import csv
import io

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import BaseCommand, CommandError

from organisations import identifiers
from organisations.services import organisation_import_row

IDENTIFIERS = ["ods_code", "charity_number", "company_number"]
# Columns as registers name them.
ALIASES = {
    "reg_charity_number": "charity_number",  # CCNI's register
    "charity_number_as_published": "charity_number",
    "regulator": "charity_regulator",
    "icb_ods_code": "icb",
}
# The columns of an ODS extract that the import reads, by position (nhsconnect's layout).
ODS_COLUMNS = {0: "ods_code", 1: "name", 2: "region", 3: "icb", 10: "active_from"}
ODS_COLUMNS[11] = "active_to"
ODS_WIDTH = 12  # an extract has 27 columns; a line of at least 12 is read as one


class Command(BaseCommand):
    help = "Load or update organisations from a CSV file (ods_code, name, region, ...)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the CSV file")

    def handle(self, *args, file, **options):
        counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        seen = {}
        try:
            # utf-8-sig drops the byte order mark Excel writes at the start.
            with open(file, encoding="utf-8-sig", newline="") as csv_file:
                for line, row in _rows(csv_file, file):
                    if not any((value or "").strip() for value in row.values()):
                        continue
                    try:
                        self._once(row, line, seen)
                        counts[organisation_import_row(row=row)] += 1
                    except ValidationError as error:
                        counts["rejected"] += 1
                        self._report(line, error)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text; save it as “CSV UTF-8”.") from None

        self.stdout.write(
            f"Created {counts['created']}, updated {counts['updated']}, "
            f"rejected {counts['rejected']}."
        )

    @staticmethod
    def _once(row: dict, line: int, seen: dict) -> None:
        """An identifier on two lines is taken from the first, whatever its spelling there,
        so that a run cannot flip a name back and forth."""
        for field in IDENTIFIERS:
            value = identifiers.normalise(row.get(field) or "")
            if value and value not in ("0",):
                first = seen.setdefault((field, value), line)
                if first != line:
                    raise ValidationError(
                        {field: f"{value} is on line {first} too; that line is the one kept."}
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


def _rows(csv_file, file):
    """(line number, row keyed by column) of either layout."""
    sample = csv_file.read(4096)
    csv_file.seek(0)
    first = next(csv.reader(io.StringIO(sample)), [])
    names = [ALIASES.get(n.strip().lower(), n.strip().lower()) for n in first]
    if len(first) >= ODS_WIDTH and not set(names) & {"name", *IDENTIFIERS}:
        reader = csv.reader(csv_file)
        for values in reader:
            row = {field: values[i] for i, field in ODS_COLUMNS.items() if i < len(values)}
            yield reader.line_num, {**row, "kind": "nhs_trust"}
        return
    reader = csv.DictReader(csv_file)
    if reader.fieldnames is not None:  # reads the header line, before its names are ours
        reader.fieldnames = names
    if "name" not in names or not set(names) & set(IDENTIFIERS):
        raise CommandError(
            f"{file} has no “name” column or no identifier column. The first line must name "
            "the columns: name and at least one of ods_code, charity_number, company_number "
            "(or be an NHS ODS extract, which has no header line)."
        )
    ccni = "reg_charity_number" in [n.strip().lower() for n in first]
    for row in reader:
        row = {k: v for k, v in row.items() if k}
        if ccni and not (row.get("charity_regulator") or "").strip():
            row["charity_regulator"] = "CCNI"
        # line_num counts physical lines read, blank ones and the header too.
        yield reader.line_num, row
