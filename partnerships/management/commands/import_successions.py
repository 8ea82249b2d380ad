"""Record successions from a CSV file, then carry out those whose date has come.

    manage.py import_successions icb-successions-2026.csv

The first line names the columns: predecessor_ods_code, successor_ods_code, succession_date
(YYYY-MM-DD) and succession_type (merger, acquisition, split, rename or dissolution) are
required; successor_name and successor_region_inferred name and place a successor that does
not exist yet (it is made with the predecessor's kind, from the date); predecessor_name and
other columns are ignored. A dissolution leaves successor_ods_code blank.

One line per predecessor and successor: a predecessor on several lines splits between them.
The predecessor must exist already (import it with import_organisations first). Each
predecessor is recorded on its own: a bad line is reported on stderr as `line N: field:
message`, and the predecessor's other lines wait with it while the rest still load. Running
the same file twice changes nothing the second time.
"""

import csv
import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from organisations import identifiers
from organisations.audit import audit
from organisations.models import Organisation, Succession
from organisations.services import REGIONS, succession_record
from partnerships.services.successions import carry_out_due

REQUIRED_COLUMNS = ["predecessor_ods_code", "successor_ods_code", "succession_date"]
REQUIRED_COLUMNS += ["succession_type"]
# The service's fields, as the file's columns name them.
COLUMN_OF_FIELD = {
    "successors": "successor_ods_code",
    "takes_effect_on": "succession_date",
    "kind": "succession_type",
}


class Command(BaseCommand):
    help = "Record successions (mergers, splits, renames, dissolutions) from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the CSV file")

    def handle(self, *args, file, **options):
        counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        groups = {}
        try:
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
                    values = {k: (v or "").strip() for k, v in row.items() if k}
                    if not any(values.values()):
                        continue
                    key = identifiers.normalise(values["predecessor_ods_code"])
                    groups.setdefault(key, []).append((reader.line_num, values))
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text; save it as “CSV UTF-8”.") from None

        for code, lines in groups.items():
            try:
                counts[self._record(code, lines)] += 1
            except _LineError as error:
                counts["rejected"] += 1
                self._report(error.line, error.error)
        carried_out = carry_out_due()
        self.stdout.write(
            f"Recorded {counts['created']}, updated {counts['updated']}, "
            f"unchanged {counts['unchanged']}, rejected {counts['rejected']}; "
            f"carried out {carried_out} due by today."
        )

    def _record(self, code: str, lines: list) -> str:
        first = lines[0][0]
        for line, values in lines:
            _check_line(line, values)
        if not code:
            raise _LineError(first, ValidationError({"predecessor_ods_code": "Enter an ODS code."}))
        predecessor = Organisation.objects.filter(ods_code=code).first()
        if predecessor is None:
            raise _LineError(
                first,
                ValidationError(
                    {
                        "predecessor_ods_code": f"No organisation has the ODS code {code}: "
                        "import it with import_organisations first."
                    }
                ),
            )
        dates = {values["succession_date"] for _, values in lines}
        if len(dates) > 1:
            raise _LineError(
                lines[1][0],
                ValidationError(
                    {"succession_date": f"{code} has another date on line {first}: give one."}
                ),
            )
        takes_effect_on = datetime.date.fromisoformat(dates.pop())
        kinds = {values["succession_type"].lower() for _, values in lines}
        # Each successor once, from its first line, in the order of the file.
        lines_of = {}
        for _, values in lines:
            successor = identifiers.normalise(values["successor_ods_code"])
            if successor:
                lines_of.setdefault(successor, values)
        kind = Succession.Kind.SPLIT if len(lines_of) > 1 else kinds.pop()
        try:
            with transaction.atomic():
                successors = [
                    _successor(successor, values, predecessor, takes_effect_on)
                    for successor, values in lines_of.items()
                ]
                _, result = succession_record(
                    predecessor=predecessor,
                    kind=kind,
                    takes_effect_on=takes_effect_on,
                    successors=successors,
                    by=None,
                )
        except ValidationError as error:
            raise _LineError(first, error) from None
        return result

    def _report(self, line, error):
        if hasattr(error, "error_dict"):
            errors = error.message_dict.items()
        else:
            errors = [(NON_FIELD_ERRORS, error.messages)]
        for field, messages in errors:
            field = COLUMN_OF_FIELD.get(field, field)
            prefix = f"line {line}: " if field == NON_FIELD_ERRORS else f"line {line}: {field}: "
            for message in messages:
                self.stderr.write(prefix + message)


class _LineError(Exception):
    def __init__(self, line: int, error: ValidationError):
        self.line, self.error = line, error


def _check_line(line: int, values: dict) -> None:
    errors = {}
    try:
        datetime.date.fromisoformat(values["succession_date"])
    except ValueError:
        errors["succession_date"] = "Enter the date as YYYY-MM-DD, like 2026-04-01."
    kind = values["succession_type"].lower()
    if kind not in Succession.Kind.values:
        errors["succession_type"] = (
            "Enter merger, acquisition, split, rename or dissolution, "
            f"not “{values['succession_type'][:40]}”."
        )
    successor = identifiers.normalise(values["successor_ods_code"])
    if kind == Succession.Kind.DISSOLUTION and successor:
        errors["successor_ods_code"] = "A dissolution has no successor: leave this blank."
    elif kind != Succession.Kind.DISSOLUTION and not successor:
        errors["successor_ods_code"] = "Enter the successor's ODS code."
    elif successor:
        try:
            identifiers.validate_ods_code(successor)
        except ValidationError as error:
            errors["successor_ods_code"] = error.messages[0]
    if errors:
        raise _LineError(line, ValidationError(errors))


def _successor(code: str, values: dict, predecessor: Organisation, on) -> Organisation:
    """The successor with this ODS code; made from the line when it does not exist yet."""
    existing = Organisation.objects.filter(ods_code=code).first()
    if existing is not None:
        return existing
    region = values.get("successor_region_inferred", "")
    successor = Organisation(
        name=values.get("successor_name", "")[:200],
        kind=predecessor.kind,
        ods_code=code,
        region=REGIONS.get(region.lower(), region) if region else predecessor.region,
        active_from=on,
    )
    try:
        successor.full_clean()
    except ValidationError as error:
        fields = {"name": "successor_name", "region": "successor_region_inferred"}
        raise ValidationError(
            {fields.get(f, f): messages for f, messages in error.message_dict.items()}
        ) from None
    successor.save()
    audit(
        None,
        "organisation.imported",
        successor,
        organisation=successor,
        changes={"result": "created"},
    )
    return successor
