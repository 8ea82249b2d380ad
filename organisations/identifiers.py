"""Validation of the public identifiers organisations carry, by the registers' own rules.

Each check raises ValidationError with a message that says what a valid value looks like.
The rules and the real numbers that exercise them are listed in docs/registers.md.
"""

import re

from django.core.exceptions import ValidationError

# re.ASCII: without it \d also accepts other scripts' digits, such as "١٢٣٤٥٦٧" or "１２３４５６７".
ODS_CODE = re.compile(r"[A-Z0-9]{3,6}")
# Companies House (HMRC COTAX manual COM40010): up to eight digits (stored padded to eight),
# or two letters followed by up to six letters or digits (IP28116R, RS007856, SC213517);
# Northern Ireland's oldest registrations are R followed by seven digits (R0000316).
COMPANY_NUMBER = re.compile(r"(\d{8}|[A-Z]{2}[A-Z0-9]{1,6}|R\d{7})", re.ASCII)
CHARITY_NUMBER = {
    # England and Wales: the Charity Commission's registered numbers; a linked charity adds
    # its linked number (0 is the main charity): 1125485-20.
    "CCEW": (
        re.compile(r"\d{6,7}(-\d{1,3})?", re.ASCII),
        "6 or 7 digits, like 1123456, or a linked charity's, like 1125485-20",
    ),
    # Scotland: OSCR numbers.
    "OSCR": (re.compile(r"SC\d{6}", re.ASCII), "SC followed by 6 digits, like SC012345"),
    # Northern Ireland: the Charity Commission for Northern Ireland.
    "CCNI": (re.compile(r"NIC\d{6}", re.ASCII), "NIC followed by 6 digits, like NIC100123"),
}


def normalise(value: str) -> str:
    """People paste identifiers with spaces and in lower case; store one canonical form."""
    return re.sub(r"\s+", "", value or "").upper()


def normalise_company_number(value: str) -> str:
    """Companies House numbers of fewer than eight digits are the same number padded with
    zeros, as the register writes them: 1234567 is 01234567."""
    value = normalise(value)
    return value.zfill(8) if value.isdigit() and value.isascii() and len(value) < 8 else value


def normalise_charity_number(value: str, regulator: str) -> str:
    """CCNI publishes its numbers as 6 digits; "NIC" before them is in use too. One form is
    stored: NIC100002."""
    value = normalise(value)
    if regulator == "CCNI" and re.fullmatch(r"\d{6}", value, re.ASCII):
        return "NIC" + value
    return value


# A charity number's form tells its regulator apart when none is given. CCEW's six-digit
# numbers start at 200000, CCNI's are 100000 to 199999 (docs/registers.md).
REGULATOR_OF_FORM = [
    (re.compile(r"SC\d+", re.ASCII), "OSCR"),
    (re.compile(r"NIC\d+", re.ASCII), "CCNI"),
    (re.compile(r"1\d{5}", re.ASCII), "CCNI"),
    (re.compile(r"\d+(-\d+)?", re.ASCII), "CCEW"),
]


def regulator_of(number: str) -> str:
    for pattern, regulator in REGULATOR_OF_FORM:
        if pattern.fullmatch(number):
            return regulator
    return ""


# Org-id.guide's schemes (https://org-id.guide), one per register.
ORG_ID_PREFIX = {"CCEW": "GB-CHC", "OSCR": "GB-SC", "CCNI": "GB-NIC"}
SCHEME_OF_ORG_ID_PREFIX = {
    "GB-NHS": "ODS",
    "GB-CHC": "CCEW",
    "GB-SC": "OSCR",
    "GB-NIC": "CCNI",
    "GB-COH": "COH",
    "GB-MPR": "MPR",  # the FCA's Mutuals Public Register: registered societies
}
ORG_ID_PREFIX_OF_SCHEME = {scheme: prefix for prefix, scheme in SCHEME_OF_ORG_ID_PREFIX.items()}


def org_id(scheme: str, value: str) -> str:
    """The org-id of one identifier; CCNI's numbers are written without "NIC"."""
    prefix = ORG_ID_PREFIX_OF_SCHEME.get(scheme)
    return f"{prefix}-{value.removeprefix('NIC')}" if prefix and value else ""


def parse_org_id(text: str) -> tuple[str, str] | None:
    """(scheme, value as the register writes it) of an org-id such as GB-CHC-1159029 or
    GB-SC-SC045458; None when the prefix is none of the schemes read here."""
    text = normalise(text)
    for prefix, scheme in SCHEME_OF_ORG_ID_PREFIX.items():
        if text.startswith(prefix + "-"):
            return scheme, text.removeprefix(prefix + "-")
    return None


def org_ids(organisation) -> list[str]:
    """The organisation's org-id identifiers: the NHS scheme for an ODS code, GB-CHC,
    GB-SC or GB-NIC for its charity number (CCNI's without "NIC"), GB-COH for its company."""
    return org_ids_of(
        organisation.ods_code,
        organisation.charity_number,
        organisation.charity_regulator,
        organisation.company_number,
    )


def org_ids_of(ods_code: str, charity_number: str, regulator: str, company: str) -> list[str]:
    """org_ids from the stored values, for files that read them without a model instance."""
    found = []
    if ods_code:
        found.append(f"GB-NHS-{ods_code}")
    if charity_number and regulator in ORG_ID_PREFIX:
        found.append(f"{ORG_ID_PREFIX[regulator]}-{charity_number.removeprefix('NIC')}")
    if company:
        found.append(f"GB-COH-{company}")
    return found


# The FCA's Mutuals Public Register: a registered society's number and its suffix (30621R).
MUTUAL_NUMBER = re.compile(r"\d{1,6}[A-Z]{0,3}", re.ASCII)
CHARITY_SCHEMES = ("CCEW", "OSCR", "CCNI")


def normalise_identifier(scheme: str, value: str) -> str:
    """One identifier of a scheme (ODS, CCEW, OSCR, CCNI, COH or MPR) in its stored form."""
    if scheme in CHARITY_SCHEMES:
        return normalise_charity_number(value, scheme)
    if scheme == "COH":
        return normalise_company_number(value)
    return normalise(value)


def validate_identifier(scheme: str, value: str) -> None:
    if scheme == "ODS":
        validate_ods_code(value)
    elif scheme in CHARITY_SCHEMES:
        validate_charity_number(value, scheme)
    elif scheme == "COH":
        validate_company_number(value)
    elif not MUTUAL_NUMBER.fullmatch(value):
        raise ValidationError(
            "Enter a Mutuals Public Register number of digits and its suffix, like 30621R.",
            code="invalid_mutual_number",
        )


def validate_ods_code(value: str) -> None:
    if not ODS_CODE.fullmatch(value):
        raise ValidationError(
            "Enter an ODS code of 3 to 6 capital letters or digits, like QWE or RJ1.",
            code="invalid_ods_code",
        )


def validate_company_number(value: str) -> None:
    if not COMPANY_NUMBER.fullmatch(value):
        raise ValidationError(
            "Enter a Companies House number of up to 8 digits, like 01234567, "
            "or 2 letters and up to 6 letters or digits, like SC123456 or IP28116R.",
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
