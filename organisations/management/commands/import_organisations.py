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

from organisations.services import (
    IMPORTED_FIELDS,
    ORG_ID_COLUMNS,
    SCHEME_OF_COLUMN,
    organisation_import_row,
    row_identifiers,
)

IDENTIFIERS = [*SCHEME_OF_COLUMN, "charity_number", *ORG_ID_COLUMNS]
# Columns as registers name them (lower case, spaces and dots as published).
ALIASES = {
    "reg_charity_number": "charity_number",  # CCNI's register
    "charity_number_as_published": "charity_number",
    "regulator": "charity_regulator",
    "icb_ods_code": "icb",
    # The Charity Commission's full extract (publicextract.charity, tab-separated).
    "registered_charity_number": "charity_number",
    "linked_charity_number": "linked_number",
    "charity_name": "name",
    "date_of_registration": "active_from",
    "date_of_removal": "active_to",
    "charity_company_registration_number": "company_number",
    # OSCR's register: "Charity Number", "Charity Name", "Registered Date", "Ceased Date".
    "charity number": "charity_number",
    "charity name": "name",
    "registered date": "active_from",
    "ceased date": "active_to",
    # Companies House's basic company data.
    "companyname": "name",
    "companynumber": "company_number",
    "incorporationdate": "active_from",
    "dissolutiondate": "active_to",
}
# The columns of an ODS extract that the import reads, by position (nhsconnect's layout).
ODS_COLUMNS = {0: "ods_code", 1: "name", 2: "region", 3: "icb", 10: "active_from"}
ODS_COLUMNS[11] = "active_to"
ODS_WIDTH = 12  # an extract has 27 columns; a line of at least 12 is read as one
# The body an ODS extract lists, by the name ODS publishes it under (etr.csv, eccg.csv).
ODS_KIND_OF_FILE = {"etr": "nhs_trust", "ect": "nhs_trust", "eccg": "other", "ecsu": "csu"}


class Command(BaseCommand):
    help = "Load or update organisations from a CSV file (ods_code, name, region, ...)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the CSV file")

    def handle(self, *args, file, **options):
        counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0, "not here": 0}
        seen = {}
        try:
            # utf-8-sig drops the byte order mark Excel writes at the start.
            with open(file, encoding="utf-8-sig", newline="") as csv_file:
                rows, named = _rows(csv_file, file)
                for line, row in rows:
                    if not any((value or "").strip() for value in row.values()):
                        continue
                    try:
                        row = self._once(row, line, seen)
                        counts[organisation_import_row(row=row, create=named)] += 1
                    except ValidationError as error:
                        counts["rejected"] += 1
                        self._report(line, error)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text; save it as “CSV UTF-8”.") from None

        not_here = ""
        if counts["not here"]:
            not_here = (
                f" {counts['not here']} not of organisations here, left: the file has no "
                "names to add them with."
            )
        self.stdout.write(
            f"Created {counts['created']}, updated {counts['updated']}, "
            f"rejected {counts['rejected']}.{not_here}"
        )

    def _once(self, row: dict, line: int, seen: dict) -> dict:
        """An organisation on several lines (a register repeats a body, an identifier has
        two spellings) takes its name and the rest from its first line, so that a run cannot
        flip them back and forth; a later line still adds identifiers it has not. A name
        that differs is said on stdout."""
        held = [(scheme, value) for _, scheme, value in row_identifiers(row)]
        name = (row.get("name") or "").strip()
        earlier = next((seen[key] for key in held if key in seen), None)
        for key in held:
            seen.setdefault(key, earlier or (line, name))
        if earlier is None or earlier[0] == line:
            return row
        first, first_name = earlier
        if name and first_name and name != first_name:
            self.stdout.write(
                f"line {line}: “{name}” is on line {first} as “{first_name}”; "
                "that line's name is kept."
            )
        return {k: v for k, v in row.items() if k not in IMPORTED_FIELDS}

    def _report(self, line, error):
        if hasattr(error, "error_dict"):
            errors = error.message_dict.items()
        else:
            errors = [(NON_FIELD_ERRORS, error.messages)]
        for field, messages in errors:
            prefix = f"line {line}: " if field == NON_FIELD_ERRORS else f"line {line}: {field}: "
            for message in messages:
                self.stderr.write(prefix + message)


def _name(column: str) -> str:
    column = column.strip().lower()
    return ALIASES.get(column, ALIASES.get(column.replace(" ", ""), column))


def _rows(csv_file, file):
    """(line number, row keyed by column) of each layout read, and whether the file names
    its organisations (a file of identifiers alone only adds them to organisations here)."""
    sample = csv_file.read(4096)
    csv_file.seek(0)
    dialect = "excel-tab" if "\t" in sample.partition("\n")[0] else "excel"
    first = next(csv.reader(io.StringIO(sample), dialect), [])
    names = [_name(n) for n in first]
    if len(first) >= ODS_WIDTH and not set(names) & {"name", *IDENTIFIERS}:
        return _ods_rows(csv_file, file), True
    if {"ods icb code", "ods trust code"} <= set(names):
        return _icb_map_rows(csv_file), True
    if {"region_code", "name"} <= set(names) and not set(names) & set(IDENTIFIERS):
        raise CommandError(
            f"{file} lists NHS England's regions, not organisations: the import reads their "
            "codes (Y56 to Y63) already."
        )
    reader = csv.DictReader(csv_file, dialect=dialect)
    if reader.fieldnames is not None:  # reads the header line, before its names are ours
        reader.fieldnames = names
    found = [n for n in names if n in IDENTIFIERS]
    named = "name" in names
    if not found or (not named and len(found) < 2):
        raise CommandError(
            f"{file} has no “name” column or no identifier column. The first line must name "
            "the columns: name and at least one of ods_code, charity_number, company_number "
            "(or be an NHS ODS extract, which has no header line); a file without names "
            "links two identifiers, like charity_org_id and company_number."
        )
    ccni = "reg_charity_number" in [n.strip().lower() for n in first]
    ccew = "registered_charity_number" in [n.strip().lower() for n in first]

    def rows():
        for row in reader:
            row = {k: v for k, v in row.items() if k}
            if ccni and not (row.get("charity_regulator") or "").strip():
                row["charity_regulator"] = "CCNI"
            if ccew:
                row = _from_ccew_extract(row)
            # line_num counts physical lines read, blank ones and the header too.
            yield reader.line_num, row

    return rows(), named


def _from_ccew_extract(row: dict) -> dict:
    """A line of the Charity Commission's extract: a linked charity's number is its main
    charity's and its own (0 is the main charity); a removed charity ends on its removal."""
    row["charity_regulator"] = "CCEW"
    linked = (row.pop("linked_number", "") or "").strip()
    if linked not in ("", "0"):
        row["charity_number"] = f"{(row.get('charity_number') or '').strip()}-{linked}"
    return row


def _ods_rows(csv_file, file):
    stem = file.replace("\\", "/").rsplit("/", 1)[-1].lower()
    kind = next(
        (k for name, k in ODS_KIND_OF_FILE.items() if stem.startswith(name + ".")), "nhs_trust"
    )
    reader = csv.reader(csv_file)
    for values in reader:
        row = {field: values[i] for i, field in ODS_COLUMNS.items() if i < len(values)}
        yield reader.line_num, {**row, "kind": kind}


def _icb_map_rows(csv_file):
    """The map of ICBs to their sub-ICB locations, councils and trusts: each line names an
    ICB (and its NHS England region) and a trust in its area."""
    reader = csv.DictReader(csv_file)
    for row in reader:
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        yield (
            reader.line_num,
            {
                "ods_code": row.get("ods icb code", ""),
                "name": row.get("icb name", ""),
                "region": row.get("nhs england region code", ""),
                "kind": "icb",
            },
        )
        if row.get("ods trust code"):
            yield (
                reader.line_num,
                {
                    "ods_code": row["ods trust code"],
                    "name": row.get("nhs trusts", ""),
                    "kind": "nhs_trust",
                    "icb": row.get("ods icb code", ""),
                },
            )
