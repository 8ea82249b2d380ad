"""Real registers in, as they are published: rows copied from the NHS ODS trust extract, the
CCNI register and the charity and company number lists (tests/organisations/fixtures/
registers/, sources in docs/registers.md)."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from organisations.models import Organisation

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
REGISTERS = FIXTURES / "registers"


def run_import(command, path) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command(command, str(path), stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_an_ods_trust_extract_is_read_without_a_header_with_its_dates_and_icbs():
    run_import("import_organisations", FIXTURES / "icbs-2022.csv")
    run_import("import_successions", FIXTURES / "icb-successions-2026.csv")

    stdout, stderr = run_import("import_organisations", REGISTERS / "ods-etr-2026.csv")

    assert stderr == ""
    assert stdout == "Created 274, updated 0, rejected 0.\n"
    trusts = Organisation.objects.filter(kind=Organisation.Kind.NHS_TRUST)
    assert trusts.count() == 274
    assert trusts.filter(active_to__isnull=False).count() == 72
    north_london = Organisation.objects.get(ods_code="G6V2S")
    assert north_london.region == "London"
    assert north_london.icb.ods_code == "Z9B2Z"  # a 2026 ICB code, five characters
    assert north_london.active_from == datetime.date(2024, 11, 1)
    assert north_london.org_ids == ["GB-NHS-G6V2S"]

    again, _ = run_import("import_organisations", REGISTERS / "ods-etr-2026.csv")
    assert again == "Created 0, updated 0, rejected 0.\n"


def test_the_ccni_register_is_read_as_published():
    stdout, stderr = run_import("import_organisations", REGISTERS / "ccni-register-sample.csv")

    assert stderr == ""
    assert stdout == "Created 365, updated 0, rejected 0.\n"
    lifeline = Organisation.objects.get(name="Cancer Lifeline")
    assert (lifeline.charity_regulator, lifeline.charity_number) == ("CCNI", "NIC100002")
    assert lifeline.company_number == ""
    assert lifeline.org_ids == ["GB-NIC-100002"]


@pytest.mark.parametrize(
    "name", ["charity-company-numbers-sample.csv", "mutual-society-company-numbers-sample.csv"]
)
def test_charity_and_company_numbers_as_published_are_kept(name):
    stdout, stderr = run_import("import_organisations", REGISTERS / name)

    assert stderr == ""
    assert stdout.endswith(", rejected 0.\n")


def test_real_company_numbers_and_a_linked_charity(tmp_path):
    path = tmp_path / "organisations.csv"
    path.write_text(
        "name,charity_number,company_number\n"
        "Monmouthshire Housing Association Limited,,IP30087R\n"
        "An old Northern Ireland company,,R0000316\n"
        "A linked charity,1125485-20,\n"
        "A short company number,,1234567\n"
    )

    stdout, stderr = run_import("import_organisations", path)

    assert stderr == ""
    assert stdout == "Created 4, updated 0, rejected 0.\n"
    assert Organisation.objects.get(company_number="IP30087R").kind == "other"
    linked = Organisation.objects.get(charity_number="1125485-20")
    assert (linked.charity_regulator, linked.org_ids) == ("CCEW", ["GB-CHC-1125485-20"])
    assert Organisation.objects.filter(company_number="01234567").exists()


def test_an_identifier_spelled_twice_keeps_its_first_name_on_every_run(tmp_path):
    path = tmp_path / "organisations.csv"
    path.write_text(
        "ods_code,name,region\n"
        "QWE,NHS South West London ICB,London\n"
        "qwe,NHS South-West London Integrated Care Board,London\n"
    )
    for _ in range(2):
        _, stderr = run_import("import_organisations", path)
        assert stderr == "line 3: ods_code: QWE is on line 2 too; that line is the one kept.\n"
        assert Organisation.objects.get(ods_code="QWE").name == "NHS South West London ICB"
