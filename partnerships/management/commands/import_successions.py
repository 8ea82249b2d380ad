"""Record successions from a CSV file, then carry out those whose date has come.

    manage.py import_successions icb-successions-2026.csv

The first line names the columns: predecessor_ods_code, successor_ods_code, succession_date
(YYYY-MM-DD) and succession_type (merger, acquisition, split, rename or dissolution) are
required; successor_name and successor_region_inferred name and place a successor that does
not exist yet (it is made with the predecessor's kind, from the date); predecessor_name and
other columns are ignored. A dissolution leaves successor_ods_code blank.

The Charity Commission's register of mergers is read as it is published too
(transferor_regno, transferor_subno, transferee_regno, transferee_subno, transferee_name,
date_property_transferred, date_merger_registered): each line a merger of the transferor
into the transferee, on the day the property was transferred (else the day the merger was
registered). The register lists every merger in England and Wales: a transferor that is not
an organisation here is counted and left, not reported.

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
from organisations.services import REGIONS, organisations_holding, succession_record
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
        counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0, "not here": 0}
        groups = {}
        try:
            with open(file, encoding="utf-8-sig", newline="") as csv_file:
                reader = csv.DictReader(csv_file)
                columns = [name.strip().lower() for name in reader.fieldnames or []]
                mergers = set(CCEW_MERGER_COLUMNS) <= set(columns)
                for column in [] if mergers else REQUIRED_COLUMNS:
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
                    if mergers:
                        values = _from_ccew_merger(values)
                        if values is None:  # not from a registered charity
                            counts["not here"] += 1
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
        not_here = f", {counts['not here']} not of organisations here" if counts["not here"] else ""
        self.stdout.write(
            f"Recorded {counts['created']}, updated {counts['updated']}, "
            f"unchanged {counts['unchanged']}, rejected {counts['rejected']}{not_here}; "
            f"carried out {carried_out} due by today."
        )

    def _record(self, code: str, lines: list) -> str:
        first = lines[0][0]
        if code.startswith(CHARITY) and _find(code) is None:
            return "not here"  # the register's other charities are none of ours
        for line, values in lines:
            _check_line(line, values)
        if not code:
            raise _LineError(first, ValidationError({"predecessor_ods_code": "Enter an ODS code."}))
        predecessor = _find(code)
        if predecessor is None and code.startswith(CHARITY):
            return "not here"
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
        if lines_of and all(_find(successor) == predecessor for successor in lines_of):
            # Both numbers are one organisation's already (a charity that re-registered).
            return "unchanged"
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
    elif successor == CHARITY:
        errors["successor_ods_code"] = (
            "The register gives no charity number for the body it merged into: record this "
            "succession from the organisation's page."
        )
    elif successor.startswith(CHARITY):
        try:
            identifiers.validate_charity_number(successor.removeprefix(CHARITY), "CCEW")
        except ValidationError as error:
            errors["successor_ods_code"] = error.messages[0]
    elif successor:
        try:
            identifiers.validate_ods_code(successor)
        except ValidationError as error:
            errors["successor_ods_code"] = error.messages[0]
    if errors:
        raise _LineError(line, ValidationError(errors))


def _successor(code: str, values: dict, predecessor: Organisation, on) -> Organisation:
    """The successor with this ODS code; made from the line when it does not exist yet."""
    existing = _find(code)
    if existing is not None:
        return existing
    region = values.get("successor_region_inferred", "")
    successor = Organisation(
        name=values.get("successor_name", "")[:200],
        kind=predecessor.kind,
        region=REGIONS.get(region.lower(), region) if region else predecessor.region,
        active_from=on,
    )
    if code.startswith(CHARITY):
        successor.charity_regulator = Organisation.Regulator.CCEW
        successor.charity_number = code.removeprefix(CHARITY)
    else:
        successor.ods_code = code
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


# A charity in the Charity Commission's register, as this command keys it.
CHARITY = "CCEW:"
CCEW_MERGER_COLUMNS = ["transferor_regno", "transferee_regno", "transferee_name"]


def _find(code: str) -> Organisation | None:
    # A charity's number may be among its others (a re-registered charity's old one).
    if code.startswith(CHARITY):
        return organisations_holding("CCEW", code.removeprefix(CHARITY)).first()
    return organisations_holding("ODS", code).first()


def _ccew_number(number: str, subno: str) -> str:
    """A linked charity's number is its main charity's and its own: 1160024-29; 0 is the
    main charity itself."""
    number, subno = number.strip(), (subno or "").strip()
    return f"{number}-{subno}" if subno not in ("", "0") else number


def _from_ccew_merger(values: dict) -> dict | None:
    """A line of the register of mergers in this command's own columns; None when the
    transferor is not a registered charity (the register lists those too, without a number)."""
    if not values.get("transferor_regno"):
        return None
    date = values.get("date_property_transferred") or values.get("date_merger_registered", "")
    return {
        "predecessor_ods_code": CHARITY
        + _ccew_number(values["transferor_regno"], values.get("transferor_subno", "")),
        "successor_ods_code": CHARITY
        + _ccew_number(values["transferee_regno"], values.get("transferee_subno", "")),
        "successor_name": values.get("transferee_name", ""),
        "succession_date": date[:10],
        "succession_type": Succession.Kind.MERGER,
    }
