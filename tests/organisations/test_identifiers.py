import pytest
from django.core.exceptions import ValidationError

from organisations import identifiers
from organisations.models import Organisation

CCEW_FORM = (
    "Enter a charity number of 6 or 7 digits, like 1123456, or a linked charity's, like 1125485-20."
)


def error_message(validate, *args) -> str:
    with pytest.raises(ValidationError) as raised:
        validate(*args)
    return raised.value.messages[0]


@pytest.mark.parametrize("value", ["QWE", "RJ1", "A8100", "A81001", "Y61"])
def test_it_accepts_an_ods_code(value):
    identifiers.validate_ods_code(value)


@pytest.mark.parametrize("value", ["", "QW", "A810012", "rj1", "Q-E", "QW E", "ＱＷＥ"])
def test_it_rejects_a_malformed_ods_code(value):
    assert error_message(identifiers.validate_ods_code, value) == (
        "Enter an ODS code of 3 to 6 capital letters or digits, like QWE or RJ1."
    )


@pytest.mark.parametrize(
    ("value", "regulator"),
    [
        ("123456", "CCEW"),
        ("1123456", "CCEW"),
        ("SC012345", "OSCR"),
        ("NIC100123", "CCNI"),
    ],
)
def test_it_accepts_a_charity_number(value, regulator):
    identifiers.validate_charity_number(value, regulator)


@pytest.mark.parametrize(
    ("value", "regulator", "message"),
    [
        (
            "12345",
            "CCEW",
            CCEW_FORM,
        ),
        (
            "11234567",
            "CCEW",
            CCEW_FORM,
        ),
        (
            "SC012345",
            "CCEW",
            CCEW_FORM,
        ),
        (
            "١١٢٣٤٥٦",
            "CCEW",
            CCEW_FORM,
        ),
        (
            "1123456",
            "OSCR",
            "Enter a charity number of SC followed by 6 digits, like SC012345.",
        ),
        (
            "SC01234",
            "OSCR",
            "Enter a charity number of SC followed by 6 digits, like SC012345.",
        ),
        (
            "NI100123",
            "CCNI",
            "Enter a charity number of NIC followed by 6 digits, like NIC100123.",
        ),
        (
            "NIC1001234",
            "CCNI",
            "Enter a charity number of NIC followed by 6 digits, like NIC100123.",
        ),
        ("1123456", "", "Select the regulator the charity is registered with."),
        ("1123456", "XYZ", "Select the regulator the charity is registered with."),
    ],
)
def test_it_rejects_a_malformed_charity_number(value, regulator, message):
    assert error_message(identifiers.validate_charity_number, value, regulator) == message


# Real numbers (docs/registers.md): registered societies' IP…R, RS…, SP…RS; R0 in Northern
# Ireland; charitable incorporated organisations' CE… and CS….
@pytest.mark.parametrize(
    "value",
    [
        *("01234567", "SC123456", "NI123456", "OC301234", "IP28116R", "R0000316"),
        *("RS007856", "SP2048RS", "CE003184", "CS000123", "IP30087R"),
    ],
)
def test_it_accepts_a_company_number(value):
    identifiers.validate_company_number(value)


@pytest.mark.parametrize(
    "value", ["1234567", "123456789", "S1234567", "SC1234567", "SC-12345", "１２３４５６７８"]
)
def test_it_rejects_a_malformed_company_number(value):
    assert error_message(identifiers.validate_company_number, value) == (
        "Enter a Companies House number of up to 8 digits, like 01234567, "
        "or 2 letters and up to 6 letters or digits, like SC123456 or IP28116R."
    )


@pytest.mark.parametrize(
    ("value", "regulator", "stored"),
    [
        ("100002", "CCNI", "NIC100002"),
        ("NIC100002", "CCNI", "NIC100002"),
        ("1125485-20", "CCEW", "1125485-20"),
        ("206658", "CCEW", "206658"),
    ],
)
def test_a_charity_number_is_stored_in_one_form(value, regulator, stored):
    assert identifiers.normalise_charity_number(value, regulator) == stored
    identifiers.validate_charity_number(stored, regulator)


@pytest.mark.parametrize(
    ("number", "regulator"),
    [
        *(("100002", "CCNI"), ("109804", "CCNI"), ("206658", "CCEW"), ("1123456", "CCEW")),
        *(("1125485-20", "CCEW"), ("SC045458", "OSCR"), ("NIC100002", "CCNI")),
    ],
)
def test_a_charity_numbers_form_names_its_regulator(number, regulator):
    assert identifiers.regulator_of(number) == regulator


def test_a_short_company_number_is_padded_to_eight_digits():
    assert identifiers.normalise_company_number(" 1234567 ") == "01234567"
    assert identifiers.normalise_company_number("ip28116r") == "IP28116R"


def test_an_organisation_has_its_org_ids():
    found = Organisation(
        name="Both",
        kind=Organisation.Kind.CHARITY,
        ods_code="QWE",
        charity_number="NIC100002",
        charity_regulator="CCNI",
        company_number="NI631949",
    ).org_ids
    assert found == ["GB-NHS-QWE", "GB-NIC-100002", "GB-COH-NI631949"]


@pytest.mark.parametrize(
    ("value", "normalised"),
    [(" rj1 ", "RJ1"), ("sc 012 345", "SC012345"), ("nic\u00a0100123", "NIC100123"), ("", "")],
)
def test_it_normalises_spaces_and_case(value, normalised):
    assert identifiers.normalise(value) == normalised


def organisation(**fields) -> Organisation:
    return Organisation(**{"name": "Riverside Mind", "kind": Organisation.Kind.CHARITY, **fields})


def field_errors(organisation: Organisation) -> dict:
    with pytest.raises(ValidationError) as raised:
        organisation.full_clean()
    return raised.value.message_dict


@pytest.mark.django_db
def test_a_valid_organisation_passes_full_clean():
    organisation(
        ods_code="QWE",
        charity_number="1123456",
        charity_regulator="CCEW",
        company_number="SC123456",
    ).full_clean()


@pytest.mark.django_db
def test_full_clean_puts_a_bad_ods_code_on_its_field():
    assert field_errors(organisation(ods_code="Q-E")) == {
        "ods_code": ["Enter an ODS code of 3 to 6 capital letters or digits, like QWE or RJ1."]
    }


@pytest.mark.django_db
def test_full_clean_puts_a_bad_company_number_on_its_field():
    assert field_errors(organisation(company_number="S1234567")) == {
        "company_number": [
            "Enter a Companies House number of up to 8 digits, like 01234567, "
            "or 2 letters and up to 6 letters or digits, like SC123456 or IP28116R."
        ]
    }


@pytest.mark.django_db
def test_full_clean_puts_a_bad_charity_number_on_its_field():
    assert field_errors(organisation(charity_number="SC12", charity_regulator="OSCR")) == {
        "charity_number": ["Enter a charity number of SC followed by 6 digits, like SC012345."]
    }


@pytest.mark.django_db
def test_full_clean_asks_for_the_regulator_of_a_charity_number_without_one():
    assert field_errors(organisation(charity_number="1123456")) == {
        "charity_regulator": ["Select the regulator the charity is registered with."]
    }


@pytest.mark.django_db
def test_full_clean_normalises_a_charity_number():
    charity = organisation(charity_number="sc012345", charity_regulator="OSCR")
    charity.full_clean()
    assert charity.charity_number == "SC012345"


@pytest.mark.django_db
def test_full_clean_accepts_an_ods_code_in_lower_case():
    icb = organisation(kind=Organisation.Kind.ICB, ods_code="qwe")
    icb.full_clean()
    assert icb.ods_code == "QWE"
