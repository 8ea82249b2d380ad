"""Concerns in the reports and their CSV: counts by principle and ICB, the share answered on
time, the median days to answer; only what each person may see."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from organisations.models import Membership, Organisation
from partnerships import reports
from partnerships.models import Concern, Participant, Partnership
from tests.conftest import make_user

UTC = datetime.UTC


def _concern(
    partnership,
    organisation,
    *,
    principle,
    raised,
    answered_after=None,
    late=False,
    visibility="partners",
    outcome="",
):
    raised_at = datetime.datetime(*raised, 10, tzinfo=UTC)
    fields = {}
    if answered_after is not None:
        fields = {
            "state": "closed" if outcome else "responded",
            "acknowledged_at": raised_at,
            "response": "Answered.",
            "responded_at": raised_at + datetime.timedelta(days=answered_after),
            "responded_in_time": not late,
            "days_to_respond": answered_after,
            "outcome": outcome,
            "ended_at": raised_at + datetime.timedelta(days=40) if outcome else None,
        }
    return Concern.objects.create(
        partnership=partnership,
        organisation=organisation,
        principle=partnership.framework.principles.get(number=principle) if principle else None,
        raised_at=raised_at,
        what_happened="=SUM(A1) what happened",
        would_like="Something better.",
        visibility=visibility,
        acknowledge_by=raised_at.date() + datetime.timedelta(days=7),
        respond_by=raised_at.date() + datetime.timedelta(days=28),
        **fields,
    )


@pytest.fixture
def seeded_concerns(partnership, charity, icb, framework):
    """Five concerns in North Valley, two in South Vale; one of North Valley's is for the
    lead only, which Sam (a commissioner of South Vale only) does not see anyway."""
    south = Organisation.objects.create(name="NHS South Vale ICB", kind="icb", ods_code="QSV")
    other = Partnership.objects.create(
        name="South Vale Befriending", kind="grant", icb=south, framework=framework
    )
    Participant.objects.create(partnership=other, organisation=south, role="lead_commissioner")
    Participant.objects.create(partnership=other, organisation=charity, role="vcse_partner")
    return [
        _concern(partnership, charity, principle=5, raised=(2026, 3, 2), answered_after=10),
        _concern(partnership, charity, principle=5, raised=(2026, 4, 1), answered_after=20),
        _concern(
            partnership, charity, principle=5, raised=(2026, 5, 1), answered_after=35, late=True
        ),
        _concern(partnership, charity, principle=2, raised=(2026, 6, 1), visibility="lead"),
        _concern(
            partnership,
            charity,
            principle=None,
            raised=(2026, 7, 1),
            answered_after=5,
            outcome="satisfied",
        ),
        _concern(other, charity, principle=5, raised=(2026, 8, 3), answered_after=7),
        _concern(other, charity, principle=1, raised=(2026, 9, 1)),
    ]


def test_the_figures_by_principle_and_icb(ada, seeded_concerns):
    figures = reports.concern_report(ada, reports.Filters())
    assert (figures.total.raised, figures.total.answered, figures.total.answered_on_time) == (
        7,
        5,
        4,
    )
    assert figures.total.share_on_time == 80
    assert str(figures.total.median_days) == "10"  # 5, 7, 10, 20, 35
    by_principle = {f.label: f for f in figures.by_principle}
    assert list(by_principle) == [
        "1. Sustainability",
        "2. Transparency",
        "5. Proportionality",
        "No principle in particular",
    ]
    proportionality = by_principle["5. Proportionality"]
    assert (proportionality.raised, proportionality.answered) == (4, 4)
    assert proportionality.share_on_time == 75
    assert str(proportionality.median_days) == "15"  # 7, 10, 20, 35: halfway
    assert by_principle["2. Transparency"].share_on_time is None
    by_icb = {f.label: (f.raised, f.answered) for f in figures.by_icb}
    assert by_icb == {"NHS North Valley ICB": (5, 4), "NHS South Vale ICB": (2, 1)}


def test_only_what_the_person_may_see_is_counted(icb, seeded_concerns):
    """Sam commissions for South Vale only: its two concerns, nothing of North Valley."""
    south = Organisation.objects.get(name="NHS South Vale ICB")
    sam = make_user("sam@southvale.example", south, Membership.Role.EDITOR)
    figures = reports.concern_report(sam, reports.Filters())
    assert figures.total.raised == 2
    assert [f.label for f in figures.by_icb] == ["NHS South Vale ICB"]


def test_the_dates_filter_when_concerns_were_raised(ada, seeded_concerns):
    filters = reports.Filters(
        closed_from=datetime.date(2026, 4, 1), closed_to=datetime.date(2026, 6, 30)
    )
    assert reports.concern_report(ada, filters).total.raised == 3


def test_the_report_page_shows_them(client, carol, seeded_concerns):
    client.force_login(carol)
    response = client.get(reverse("partnerships:reports"))
    text = response.text
    # Carol sees North Valley's five (the lead-only one too: her ICB is the lead).
    assert "5 concerns raised, 4 answered: 75% on time, a median of 15 days to answer." in text
    assert 'data-testid="concerns-principle"' in text and 'data-testid="concerns-icb"' in text


def test_the_csv_lists_each_concern_without_its_text(client, ada, seeded_concerns):
    client.force_login(ada)
    response = client.get(reverse("partnerships:report_csv", kwargs={"kind": "concerns"}))
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffpartnership_id,partnership,concern_id,icb,")
    rows = list(csv.DictReader(io.StringIO(body[1:])))
    assert len(rows) == 7
    late = next(r for r in rows if r["days_to_respond"] == "35")
    assert (late["answered_on_time"], late["principle_number"], late["state"]) == (
        "no",
        "5",
        "responded",
    )
    assert late["raised_on"] == "2026-05-01" and late["responded_on"] == "2026-06-05"
    unanswered = next(r for r in rows if r["principle_number"] == "1")
    assert (unanswered["answered_on_time"], unanswered["responded_on"]) == ("", "")
    assert "what happened" not in body  # what was written stays on the concern's page
