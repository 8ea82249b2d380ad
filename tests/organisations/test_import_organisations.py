from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from organisations.models import Organisation

pytestmark = pytest.mark.django_db

ICBS = Path(__file__).parent / "fixtures" / "icbs-2022.csv"


def run_import(path) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("import_organisations", str(path), stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


@pytest.fixture
def write_csv(tmp_path):
    def write(text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / "organisations.csv"
        path.write_text(text, encoding=encoding)
        return path

    return write


def test_it_creates_the_42_icbs():
    stdout, stderr = run_import(ICBS)

    assert stdout == "Created 42, updated 0, rejected 0.\n"
    assert stderr == ""
    assert Organisation.objects.filter(kind=Organisation.Kind.ICB).count() == 42
    bedfordshire = Organisation.objects.get(ods_code="QHG")
    assert bedfordshire.name == ("NHS Bedfordshire, Luton and Milton Keynes Integrated Care Board")
    assert bedfordshire.region == Organisation.Region.EAST_OF_ENGLAND


def test_a_second_run_of_the_same_file_changes_nothing():
    run_import(ICBS)
    before = Organisation.objects.get(ods_code="QWE")

    stdout, stderr = run_import(ICBS)

    assert stdout == "Created 0, updated 0, rejected 0.\n"
    assert stderr == ""
    assert Organisation.objects.count() == 42
    after = Organisation.objects.get(ods_code="QWE")
    assert (after.pk, after.code, after.name) == (before.pk, before.code, before.name)


def test_it_rejects_a_malformed_code_with_its_line_number(write_csv):
    path = write_csv(
        "ods_code,name,region\n"
        "QWE,NHS South West London ICB,London\n"
        "Q-E,NHS Nowhere ICB,London\n"
        "QRV,NHS North West London ICB,London\n"
    )

    stdout, stderr = run_import(path)

    assert stdout == "Created 2, updated 0, rejected 1.\n"
    assert stderr == (
        "line 3: ods_code: Enter an ODS code of 3 to 6 capital letters or digits, "
        "like QWE or RJ1.\n"
    )
    assert sorted(Organisation.objects.values_list("ods_code", flat=True)) == ["QRV", "QWE"]


def test_it_updates_a_changed_name(write_csv):
    run_import(ICBS)
    path = write_csv("ods_code,name,region\nQWE,NHS South West London ICB,London\n")

    stdout, _ = run_import(path)

    assert stdout == "Created 0, updated 1, rejected 0.\n"
    assert Organisation.objects.get(ods_code="QWE").name == "NHS South West London ICB"
    assert Organisation.objects.count() == 42


def test_it_writes_nothing_of_a_rejected_row(write_csv):
    run_import(ICBS)
    path = write_csv("ods_code,name,region\nQWE,A new name,Atlantis\n")

    stdout, stderr = run_import(path)

    assert stdout == "Created 0, updated 0, rejected 1.\n"
    assert stderr == "line 2: region: Value 'Atlantis' is not a valid choice.\n"
    assert Organisation.objects.get(ods_code="QWE").name == (
        "NHS South West London Integrated Care Board"
    )


def test_it_matches_regions_and_codes_whatever_their_case(write_csv):
    path = write_csv("ods_code,name,region\n qwe ,NHS South West London ICB,LONDON\n")

    run_import(path)

    icb = Organisation.objects.get()
    assert (icb.ods_code, icb.region) == ("QWE", Organisation.Region.LONDON)


def test_it_imports_a_charity_and_matches_it_by_number_next_time(write_csv):
    path = write_csv(
        "ods_code,name,region,kind,charity_number,charity_regulator,company_number\n"
        ",Riverside Mind,,Charity,1123456,,01234567\n"
    )

    assert run_import(path)[0] == "Created 1, updated 0, rejected 0.\n"
    assert run_import(path)[0] == "Created 0, updated 0, rejected 0.\n"

    charity = Organisation.objects.get()
    assert charity.kind == Organisation.Kind.CHARITY
    assert (charity.charity_regulator, charity.charity_number) == ("CCEW", "1123456")
    assert charity.company_number == "01234567"
    assert charity.region == ""


@pytest.mark.parametrize(
    ("charity_number", "regulator"),
    [("1123456", "CCEW"), ("sc 012345", "OSCR"), ("NIC100123", "CCNI")],
)
def test_it_infers_the_regulator_from_the_form_of_the_number(write_csv, charity_number, regulator):
    path = write_csv(
        f"ods_code,name,region,kind,charity_number\n,A charity,,charity,{charity_number}\n"
    )

    run_import(path)

    assert Organisation.objects.get().charity_regulator == regulator


def test_it_rejects_a_malformed_charity_number(write_csv):
    path = write_csv(
        "ods_code,name,region,kind,charity_number,charity_regulator\n"
        ",Riverside Mind,,charity,12345,CCEW\n"
    )

    stdout, stderr = run_import(path)

    assert stdout == "Created 0, updated 0, rejected 1.\n"
    assert stderr == (
        "line 2: charity_number: Enter a charity number of 6 or 7 digits, like 1123456, "
        "or a linked charity's, like 1125485-20.\n"
    )
    assert not Organisation.objects.exists()


def test_it_rejects_an_unknown_kind(write_csv):
    path = write_csv("ods_code,name,region,kind\nRJ1,Guy's and St Thomas',London,hospital\n")

    _, stderr = run_import(path)

    assert stderr == "line 2: kind: Value 'hospital' is not a valid choice.\n"


def test_it_rejects_a_row_with_neither_an_ods_code_nor_a_charity_number(write_csv):
    path = write_csv("ods_code,name,region\n,Somewhere,London\n")

    stdout, stderr = run_import(path)

    assert stdout == "Created 0, updated 0, rejected 1.\n"
    assert stderr == (
        "line 2: ods_code: Enter an ODS code, a charity number or a company number to "
        "identify the organisation.\n"
    )


def test_it_stops_when_a_required_column_is_missing(write_csv):
    path = write_csv("ods_code,region\nQWE,London\n")

    with pytest.raises(CommandError, match="name"):
        run_import(path)

    assert not Organisation.objects.exists()


def test_it_reads_an_excel_file_with_a_byte_order_mark_and_blank_lines(write_csv):
    path = write_csv(
        "ods_code,name,region\r\n"
        "QWE,NHS South West London ICB,London\r\n"
        "\r\n"
        ",,\r\n"
        "QR,NHS Nowhere ICB,London\r\n",
        encoding="utf-8-sig",
    )

    stdout, stderr = run_import(path)

    assert stdout == "Created 1, updated 0, rejected 1.\n"
    assert stderr.startswith("line 5: ods_code: ")
    assert Organisation.objects.get().ods_code == "QWE"


def test_it_reports_a_file_that_does_not_exist(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run_import(tmp_path / "missing.csv")


def test_it_rejects_a_charity_number_another_organisation_has(write_csv, charity):
    run_import(ICBS)
    path = write_csv(
        "ods_code,name,region,charity_number\n"
        "QWE,NHS South West London Integrated Care Board,London,1123456\n"
    )

    stdout, stderr = run_import(path)

    assert stdout == "Created 0, updated 0, rejected 1.\n"
    assert stderr.startswith("line 2: ")
    assert Organisation.objects.get(ods_code="QWE").charity_number == ""


def test_it_asks_for_utf_8_when_a_file_is_not(write_csv):
    path = write_csv("ods_code,name,region\nRJ1,Café Trust,London\n", encoding="cp1252")

    with pytest.raises(CommandError, match="not UTF-8"):
        run_import(path)
