import re

from django.core.exceptions import ValidationError
from django.db import transaction

from . import identifiers
from .models import Organisation

IMPORTED_FIELDS = [
    "ods_code",
    "name",
    "kind",
    "region",
    "charity_number",
    "charity_regulator",
    "company_number",
]
KINDS = {
    **{label.lower(): value for value, label in Organisation.Kind.choices},
    **{value: value for value in Organisation.Kind.values},
}
REGIONS = {value.lower(): value for value in Organisation.Region.values}
# A charity number's form tells its regulator apart.
REGULATOR_OF_FORM = [
    (re.compile(r"SC\d+", re.ASCII), Organisation.Regulator.OSCR),
    (re.compile(r"NIC\d+", re.ASCII), Organisation.Regulator.CCNI),
    (re.compile(r"\d+", re.ASCII), Organisation.Regulator.CCEW),
]


def _imported_values(row: dict) -> dict:
    """The row's values for the columns it has, in the form the model stores."""
    values = {field: (row[field] or "").strip() for field in IMPORTED_FIELDS if field in row}
    for field in ["ods_code", "charity_number", "company_number", "charity_regulator"]:
        if field in values:
            values[field] = identifiers.normalise(values[field])
    # A blank kind keeps the organisation's kind (ICB for a new one). An unknown kind or
    # region is left as given, for full_clean to reject on its field.
    kind = values.pop("kind", "")
    if kind:
        values["kind"] = KINDS.get(kind.lower(), kind)
    if values.get("region"):
        values["region"] = REGIONS.get(values["region"].lower(), values["region"])
    if values.get("charity_number") and not values.get("charity_regulator"):
        for pattern, regulator in REGULATOR_OF_FORM:
            if pattern.fullmatch(values["charity_number"]):
                values["charity_regulator"] = regulator
                break
    return values


@transaction.atomic
def organisation_import_row(*, row: dict) -> str:
    """Create or update one organisation from a CSV row keyed by column name.

    Only the columns the row has are written. The organisation is found by ODS code, or by
    charity regulator and number when the row has no ODS code. Returns "created",
    "updated" or "unchanged"; raises ValidationError naming the field when the row is bad.
    """
    values = _imported_values(row)
    if values.get("ods_code"):
        organisation = Organisation.objects.filter(ods_code=values["ods_code"]).first()
    elif values.get("charity_number"):
        organisation = Organisation.objects.filter(
            charity_regulator=values.get("charity_regulator", ""),
            charity_number=values["charity_number"],
        ).first()
    else:
        raise ValidationError(
            {"ods_code": "Enter an ODS code or a charity number to identify the organisation."}
        )

    if organisation is None:
        organisation = Organisation(kind=Organisation.Kind.ICB)
    changed = [field for field, value in values.items() if getattr(organisation, field) != value]
    for field in changed:
        setattr(organisation, field, values[field])
    organisation.full_clean()

    if organisation.pk is None:
        organisation.save()
        return "created"
    if not changed:
        return "unchanged"
    organisation.save(update_fields=changed)
    return "updated"
