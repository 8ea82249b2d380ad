"""`manage.py import_successions`: the April 2026 ICB changes, read and carried out.

The fixtures are copies of the published lists (tests/organisations/fixtures/README.md).
"""

import datetime
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Q

from organisations.models import AuditEvent, Organisation, Succession
from partnerships.models import Participant, Partnership, PartnershipTransfer, Review

FIXTURES = Path(__file__).parent.parent / "organisations" / "fixtures"
ICBS = FIXTURES / "icbs-2022.csv"
SUCCESSIONS = FIXTURES / "icb-successions-2026.csv"
TODAY = datetime.date(2026, 11, 23)
NOON = datetime.datetime(2026, 11, 23, 12, tzinfo=datetime.UTC)
HEADER = (
    "predecessor_ods_code,predecessor_name,successor_ods_code,successor_name,"
    "succession_date,succession_type,successor_region_inferred\n"
)

pytestmark = pytest.mark.django_db


def run(command, path) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    with time_machine.travel(NOON, tick=False):
        call_command(command, str(path), stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def current_icbs():
    return Organisation.objects.filter(kind=Organisation.Kind.ICB).filter(
        Q(active_to__isnull=True) | Q(active_to__gte=TODAY)
    )


def test_the_2026_changes_leave_36_current_icbs_and_a_second_run_changes_nothing():
    run("import_organisations", ICBS)

    stdout, stderr = run("import_successions", SUCCESSIONS)

    assert stderr == ""
    assert stdout == (
        "Recorded 12, updated 0, unchanged 0, rejected 0; carried out 12 due by today.\n"
    )
    assert current_icbs().count() == 36
    assert Organisation.objects.filter(kind=Organisation.Kind.ICB).count() == 48
    central = Organisation.objects.get(ods_code="S1Y5D")
    assert (central.name, central.region, central.active_from) == (
        "NHS Central East ICB",
        "East of England",
        datetime.date(2026, 4, 1),
    )
    frimley = Succession.objects.get(predecessor__ods_code="QNQ")
    assert frimley.kind == Succession.Kind.SPLIT
    assert set(frimley.successors.values_list("ods_code", flat=True)) == {
        "S0E4D",
        "S9B9J",
        "QRL",
    }
    merged = Succession.objects.get(predecessor__ods_code="QHG")
    assert merged.kind == Succession.Kind.MERGER and merged.carried_out_at is not None
    events = AuditEvent.objects.count()

    stdout, stderr = run("import_successions", SUCCESSIONS)

    assert stdout == (
        "Recorded 0, updated 0, unchanged 12, rejected 0; carried out 0 due by today.\n"
    )
    assert stderr == ""
    assert AuditEvent.objects.count() == events


def test_bad_lines_are_reported_with_their_numbers_and_the_rest_load(tmp_path):
    run("import_organisations", ICBS)
    path = tmp_path / "successions.csv"
    path.write_text(
        HEADER
        + "QHG,BLMK,S1Y5D,NHS Central East ICB,2026-04-01,merger,East of England\n"
        + "QUE,C&P,S1Y5D,NHS Central East ICB,1 April 2026,merger,East of England\n"
        + "QXX,Nowhere,S1Y5D,NHS Central East ICB,2026-04-01,merger,East of England\n"
        + "QMM,N&W,,,2026-04-01,takeover,East of England\n"
        + "QJG,SNEE,Q-1,Bad code ICB,2026-04-01,split,East of England\n"
        + "QMJ,NCL,QRV,,2026-04-01,merger,London\n"
    )

    stdout, stderr = run("import_successions", path)

    assert stderr.splitlines() == [
        "line 3: succession_date: Enter the date as YYYY-MM-DD, like 2026-04-01.",
        "line 4: predecessor_ods_code: No organisation has the ODS code QXX: "
        "import it with import_organisations first.",
        "line 5: succession_type: Enter merger, acquisition, split, rename or dissolution, "
        "not “takeover”.",
        "line 5: successor_ods_code: Enter the successor's ODS code.",
        "line 6: successor_ods_code: Enter an ODS code of 3 to 6 capital letters or digits, "
        "like QWE or RJ1.",
    ]
    assert stdout.startswith("Recorded 2, updated 0, unchanged 0, rejected 4;")
    assert set(Succession.objects.values_list("predecessor__ods_code", flat=True)) == {
        "QHG",
        "QMJ",
    }
    assert not Organisation.objects.filter(name="Bad code ICB").exists()


def test_a_dissolution_has_no_successor(tmp_path, partnership, icb):
    path = tmp_path / "successions.csv"
    path.write_text(HEADER + "QNV,North Valley,,,2026-04-01,dissolution,\n")

    _, stderr = run("import_successions", path)

    assert stderr == ""
    assert Participant.objects.get(organisation=icb).left_on == datetime.date(2026, 3, 31)


def test_a_seed_scale_world_is_carried_through():
    """The issue's check: seed_scale with the real ICBs, then both files."""
    with time_machine.travel(NOON, tick=False):
        call_command(
            "seed_scale", partnerships=120, seed=3, today=TODAY, icbs=str(ICBS), stdout=StringIO()
        )
    closed_before = {
        review.pk: sorted(str(a.organisation) for a in review.assessments.all())
        for review in Review.objects.filter(state=Review.State.CLOSED).prefetch_related(
            "assessments__organisation"
        )
    }
    run("import_organisations", ICBS)
    run("import_successions", SUCCESSIONS)

    assert current_icbs().count() == 36
    ended = Organisation.objects.filter(kind=Organisation.Kind.ICB, active_to__lt=TODAY)
    # Every partnership of a merged ICB is under its successor; a split one waits for a
    # platform admin, on the list of those to assign.
    waiting = set(
        PartnershipTransfer.objects.filter(successor__isnull=True).values_list(
            "partnership", flat=True
        )
    )
    assert set(Partnership.objects.filter(icb__in=ended).values_list("pk", flat=True)) == waiting
    assert not waiting or all(
        t.succession.kind == Succession.Kind.SPLIT
        for t in PartnershipTransfer.objects.filter(successor__isnull=True)
    )
    assert not Participant.objects.filter(organisation__in=ended, left_on__isnull=True).exists()
    # Closed reviews keep their organisations, which now say until when.
    for review in Review.objects.filter(pk__in=closed_before).prefetch_related(
        "assessments__organisation"
    ):
        names = sorted(str(a.organisation) for a in review.assessments.all())
        assert [n.split(" (until ")[0] for n in names] == closed_before[review.pk]
    assert any(
        "(until 31 March 2026)" in str(a.organisation)
        for review in Review.objects.filter(state=Review.State.CLOSED)
        for a in review.assessments.all()
    )


def test_the_charity_commissions_register_of_mergers_is_read_as_published(partnership):
    """Of the register's charities, only those here are recorded; the rest are counted."""
    fund = Organisation.objects.create(
        name="Louise Willgrass Tsunami Fund",
        kind=Organisation.Kind.CHARITY,
        charity_regulator="CCEW",
        charity_number="1108629",
    )
    linked = Organisation.objects.create(
        name="Neuroradiology Fund Charity",
        kind=Organisation.Kind.CHARITY,
        charity_regulator="CCEW",
        charity_number="1160024-29",
    )
    mergers = FIXTURES / "registers" / "ccew-register-of-mergers-sample.csv"

    stdout, stderr = run("import_successions", mergers)

    assert stderr == ""
    assert stdout.startswith("Recorded 2, updated 0, unchanged 0, rejected 0, ")
    assert stdout.endswith(" not of organisations here; carried out 2 due by today.\n")
    fund.refresh_from_db()
    assert fund.active_to == datetime.date(2008, 3, 11)
    assert (fund.successor.charity_number, fund.successor.name) == (
        "1121649",
        "Louise Willgrass Tsunami Fund",
    )
    linked.refresh_from_db()
    assert linked.successor.charity_number == "1160024"  # its main charity
    again, _ = run("import_successions", mergers)
    assert again.startswith("Recorded 0, updated 0, unchanged 2, rejected 0, ")


def test_a_merger_between_two_numbers_of_one_organisation_changes_nothing():
    """The register lists re-registrations as mergers too: a charity that holds its old
    number among its others is the same organisation, not its own successor."""
    fund = Organisation.objects.create(
        name="Louise Willgrass Tsunami Fund",
        kind=Organisation.Kind.CHARITY,
        charity_regulator="CCEW",
        charity_number="1121649",
    )
    fund.other_identifiers.create(scheme="CCEW", value="1108629", former=True)
    mergers = FIXTURES / "registers" / "ccew-register-of-mergers-sample.csv"

    stdout, stderr = run("import_successions", mergers)

    assert stderr == ""
    assert stdout.startswith("Recorded 0, updated 0, unchanged 1, rejected 0, ")
    fund.refresh_from_db()
    assert (fund.active_to, fund.successor) == (None, None)
