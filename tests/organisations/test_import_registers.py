"""Real registers in, as they are published: rows copied from the NHS ODS trust extract, the
CCNI register and the charity and company number lists (tests/organisations/fixtures/
registers/, sources in docs/registers.md)."""

import csv
import datetime
import os
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from organisations.models import Organisation
from organisations.services import REGIONS

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
    for created in (1, 0):
        stdout, stderr = run_import("import_organisations", path)
        assert stderr == ""
        assert stdout == (
            "line 3: “NHS South-West London Integrated Care Board” is on line 2 as "
            "“NHS South West London ICB”; that line's name is kept.\n"
            f"Created {created}, updated 0, rejected 0.\n"
        )
        assert Organisation.objects.get(ods_code="QWE").name == "NHS South West London ICB"


def test_a_charity_registered_in_england_and_wales_and_in_scotland_is_one_organisation():
    path = REGISTERS / "dual-registered-oscr-ccew-sample.csv"
    stdout, stderr = run_import("import_organisations", path)

    assert (stdout, stderr) == ("Created 5, updated 0, rejected 0.\n", "")
    wellchild = Organisation.objects.get(name="Wellchild")
    assert (wellchild.charity_regulator, wellchild.charity_number) == ("CCEW", "289600")
    assert wellchild.org_ids == ["GB-CHC-289600", "GB-SC-SC045010"]
    assert list(Organisation.objects.search("SC045010")) == [wellchild]

    # Either number finds it: OSCR's register, then the Charity Commission's, add nothing.
    again = tmp_csv("charity_number,name\nSC045010,Wellchild\n289600,Wellchild\n")
    stdout, stderr = run_import("import_organisations", again)
    assert (stdout, stderr) == ("Created 0, updated 0, rejected 0.\n", "")
    assert Organisation.objects.count() == 5
    stdout, _ = run_import("import_organisations", path)
    assert stdout == "Created 0, updated 0, rejected 0.\n"


def test_a_company_number_joins_the_charity_it_belongs_to():
    # Habitat for Humanity Great Britain: a company in England (03012626) registered with
    # OSCR (SC048638), as the list of charities' company numbers gives it.
    run_import(
        "import_organisations",
        tmp_csv("company_number,name\n3012626,Habitat for Humanity Great Britain\n"),
    )

    run_import("import_organisations", REGISTERS / "charity-company-numbers-sample.csv")

    habitat = Organisation.objects.get(company_number="03012626")
    assert habitat.org_ids == ["GB-SC-SC048638", "GB-COH-03012626"]
    assert Organisation.objects.filter(charity_number="SC048638").get() == habitat


def test_identifiers_of_two_organisations_on_one_line_are_refused():
    run_import(
        "import_organisations",
        tmp_csv("charity_number,name\nSC045458,Just Enough Scotland\n1150730,Just Enough UK\n"),
    )

    _, stderr = run_import(
        "import_organisations", REGISTERS / "dual-registered-oscr-ccew-sample.csv"
    )

    assert stderr.startswith("line 2: The identifiers on this line belong to two organisations")


def test_a_file_of_identifiers_without_names_adds_them_to_organisations_here():
    run_import("import_organisations", tmp_csv("charity_number,name\n1159029,A CIO\n"))

    path = REGISTERS / "cio-company-numbers-sample.csv"
    stdout, stderr = run_import("import_organisations", path)

    assert stderr == ""
    assert stdout == (
        "Created 0, updated 1, rejected 0. 149 not of organisations here, left: the file has "
        "no names to add them with.\n"
    )
    cio = Organisation.objects.get()
    assert cio.org_ids == ["GB-CHC-1159029", "GB-COH-CE003184"]


def test_a_re_registered_charity_keeps_its_partnerships_under_its_new_number():
    run_import(
        "import_organisations",
        tmp_csv("charity_number,name\n1141654,TheHorseCourse\n1017480,Mile End Nursery\n"),
    )
    horse = Organisation.objects.get(charity_number="1141654")

    for _ in range(2):
        _, stderr = run_import(
            "import_organisations", REGISTERS / "ccew-reregistrations-sample.csv"
        )
        assert stderr == ""

    horse.refresh_from_db()
    assert (horse.charity_number, horse.name) == ("1170553", "THEHORSECOURSE")
    assert horse.org_ids == ["GB-CHC-1170553", "GB-CHC-1141654"]
    assert horse.other_identifiers.get().former is True
    assert Organisation.objects.get(charity_number="1173307").org_ids[1] == "GB-CHC-1017480"
    # Not here before: added under the new number, keeping the old.
    added = Organisation.objects.get(charity_number="1169143")
    assert added.org_ids == ["GB-CHC-1169143", "GB-CHC-1099967"]
    assert Organisation.objects.count() == 4  # two renumbered, two added


def test_the_icb_map_names_each_icb_and_its_trusts():
    run_import("import_organisations", FIXTURES / "icbs-2022.csv")
    run_import("import_successions", FIXTURES / "icb-successions-2026.csv")

    stdout, stderr = run_import("import_organisations", REGISTERS / "icb-la-trust-map.csv")

    assert stderr == ""
    # The map files two trusts under RYE; the first is kept, and said.
    assert stdout.startswith("line 5: “Central London Community Healthcare NHS Trust” is on")
    newcastle = Organisation.objects.get(ods_code="RTD")
    assert newcastle.kind == "nhs_trust"
    assert newcastle.icb.ods_code == "QHM"
    rye = Organisation.objects.get(ods_code="RYE")
    assert rye.name == "South Central Ambulance Service NHS Foundation Trust"
    # Bedfordshire, Luton and Milton Keynes ICB (QHG) ended in 2026: its area is now its
    # successor's.
    assert rye.icb == Organisation.objects.get(ods_code="QHG").successor
    assert rye.icb.active_to is None


def test_the_list_of_nhs_regions_is_not_read_as_organisations_but_agrees_with_the_import():
    with pytest.raises(CommandError, match="lists NHS England's regions, not organisations"):
        run_import("import_organisations", REGISTERS / "nhs-england-regions.csv")
    with open(REGISTERS / "nhs-england-regions.csv", newline="") as regions:
        for row in csv.DictReader(regions):
            assert REGIONS[row["region_code"].lower()] == row["name"]


def test_companies_house_basic_data_is_read_as_published():
    path = REGISTERS / "companies-house-basic-data-sample.csv"
    stdout, stderr = run_import("import_organisations", path)

    assert (stdout, stderr) == ("Created 3, updated 0, rejected 0.\n", "")
    urchfont = Organisation.objects.get(company_number="CE001178")
    assert urchfont.name == "URCHFONT SCARECROW FESTIVAL CHARITY"
    assert urchfont.active_from == datetime.date(2014, 3, 31)
    assert urchfont.org_ids == ["GB-COH-CE001178"]
    again, _ = run_import("import_organisations", path)
    assert again == "Created 0, updated 0, rejected 0.\n"


_csv_count = iter(range(1000))


def tmp_csv(text: str) -> Path:
    path = Path(tempfile.gettempdir()) / f"organisations-{os.getpid()}-{next(_csv_count)}.csv"
    path.write_text(text)
    return path


def test_the_charity_commissions_extract_is_read_as_published():
    path = REGISTERS / "ccew-publicextract-charity-sample.txt"
    stdout, stderr = run_import("import_organisations", path)

    assert (stdout, stderr) == ("Created 3, updated 0, rejected 0.\n", "")
    linked = Organisation.objects.get(charity_number="1160024-29")
    assert (linked.name, linked.charity_regulator) == ("NEURORADIOLOGY FUND CHARITY", "CCEW")
    assert linked.active_to == datetime.date(2024, 10, 25)
    assert Organisation.objects.get(charity_number="1160024").active_to is None
    again, _ = run_import("import_organisations", path)
    assert again == "Created 0, updated 0, rejected 0.\n"


def test_oscrs_register_finds_a_charity_registered_in_england_and_wales_too():
    run_import("import_organisations", REGISTERS / "dual-registered-oscr-ccew-sample.csv")

    stdout, stderr = run_import("import_organisations", REGISTERS / "oscr-register-sample.csv")

    assert (stdout, stderr) == ("Created 0, updated 0, rejected 0.\n", "")
    assert Organisation.objects.count() == 5
    fuchsia = Organisation.objects.get(name="British Fuchsia Society")
    assert fuchsia.org_ids == ["GB-CHC-1038334", "GB-SC-SC039652"]
