"""Validation of the public identifiers organisations carry.

Each check raises ValidationError with a message that says what a valid value looks like.
"""

import re

from django.core.exceptions import ValidationError

# re.ASCII: without it \d also accepts other scripts' digits, such as "١٢٣٤٥٦٧" or "１２３４５６７".
ODS_CODE = re.compile(r"[A-Z0-9]{3,6}")
COMPANY_NUMBER = re.compile(r"(\d{8}|[A-Z]{2}\d{6})", re.ASCII)
CHARITY_NUMBER = {
    # England and Wales: the Charity Commission's registered numbers.
    "CCEW": (re.compile(r"\d{6,7}", re.ASCII), "6 or 7 digits, like 1123456"),
    # Scotland: OSCR numbers.
    "OSCR": (re.compile(r"SC\d{6}", re.ASCII), "SC followed by 6 digits, like SC012345"),
    # Northern Ireland: the Charity Commission for Northern Ireland.
    "CCNI": (re.compile(r"NIC\d{6}", re.ASCII), "NIC followed by 6 digits, like NIC100123"),
}


def normalise(value: str) -> str:
    """People paste identifiers with spaces and in lower case; store one canonical form."""
    return re.sub(r"\s+", "", value or "").upper()


def validate_ods_code(value: str) -> None:
    if not ODS_CODE.fullmatch(value):
        raise ValidationError(
            "Enter an ODS code of 3 to 6 capital letters or digits, like QWE or RJ1.",
            code="invalid_ods_code",
        )


def validate_company_number(value: str) -> None:
    if not COMPANY_NUMBER.fullmatch(value):
        raise ValidationError(
            "Enter a Companies House number of 8 digits, like 01234567, "
            "or 2 letters and 6 digits, like SC123456.",
            code="invalid_company_number",
        )


def validate_charity_number(value: str, regulator: str) -> None:
    if regulator not in CHARITY_NUMBER:
        raise ValidationError(
            "Select the regulator the charity is registered with.", code="missing_regulator"
        )
    pattern, example = CHARITY_NUMBER[regulator]
    if not pattern.fullmatch(value):
        raise ValidationError(
            f"Enter a charity number of {example}.", code="invalid_charity_number"
        )
