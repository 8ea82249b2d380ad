"""The pages of successions: recording one, assigning a split's partnerships, accepting a
predecessor's people, the handover pack, and the report of a successor ICB."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from organisations.models import AuditEvent, Membership, MembershipOffer, Organisation, Succession
from organisations.services import succession_record
from partnerships.models import Action, Participant, Partnership, PartnershipTransfer
from partnerships.services.successions import succession_carry_out
from tests.conftest import make_user, store_result, submit

APRIL = datetime.date(2026, 4, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def central(db):
    return Organisation.objects.create(
        name="NHS Central ICB", kind=Organisation.Kind.ICB, ods_code="S1Y5D", region="London"
    )


@pytest.fixture
def essex(db):
    return Organisation.objects.create(
        name="NHS Essex ICB", kind=Organisation.Kind.ICB, ods_code="D7T5G", region="London"
    )


@pytest.fixture
def merged(partnership, icb, carol, central):
    """North Valley ICB merged into NHS Central ICB on 1 April 2026; Cleo admins Central."""
    succession, _ = succession_record(
        predecessor=icb,
        kind=Succession.Kind.MERGER,
        takes_effect_on=APRIL,
        successors=[central],
        by=None,
    )
    succession_carry_out(succession=succession)
    return succession


@pytest.fixture
def cleo(central):
    return make_user("cleo@central.example", central, role=Membership.Role.ADMIN)


def _record(client, ada, organisation, **data):
    client.force_login(ada)
    post = {
        "kind": data.get("kind", "merger"),
        "takes_effect_on_0": "1",
        "takes_effect_on_1": "4",
        "takes_effect_on_2": data.get("year", "2026"),
        "successors": data.get("successors", ""),
    }
    return client.post(
        reverse("partnerships:succession_record", kwargs={"code": organisation.code}), post
    )


# Recording, from the organisation's page


def test_it_works(client, ada, partnership, icb, central):
    response = _record(client, ada, icb, successors="s1y5d")

    assert response.status_code == 302
    assert response.url == reverse("organisations:detail", kwargs={"code": icb.code})
    partnership.refresh_from_db()
    assert partnership.icb == central  # a date that has passed: carried out at once
    assert Succession.objects.get().recorded_by == ada
    assert AuditEvent.objects.filter(action="succession.created", actor=ada).exists()


def test_a_future_date_waits_for_its_day(client, ada, partnership, icb, central):
    _record(client, ada, icb, successors="S1Y5D", year="2030")

    partnership.refresh_from_db()
    assert partnership.icb == icb
    assert Succession.objects.get().carried_out_at is None


def test_it_keeps_what_was_typed_when_a_successor_is_unknown(client, ada, partnership, icb):
    response = _record(client, ada, icb, successors="QZZ9")

    assert response.status_code == 200
    assert "No organisation has the identifier QZZ9" in response.text
    assert 'value="QZZ9"' in response.text
    assert not Succession.objects.exists()


def test_it_explains_the_wrong_number_of_successors(client, ada, icb, central, essex):
    response = _record(client, ada, icb, kind="merger", successors="S1Y5D, D7T5G")

    assert response.status_code == 200
    assert "A merger names the one organisation the predecessor joins." in response.text
    assert not Succession.objects.exists()


def test_the_organisation_page_offers_it_to_platform_admins_only(client, ada, carol, icb):
    record = reverse("partnerships:succession_record", kwargs={"code": icb.code})
    client.force_login(carol)
    assert record not in client.get(reverse("organisations:detail", args=[icb.code])).text
    client.force_login(ada)
    assert record in client.get(reverse("organisations:detail", args=[icb.code])).text


# A split: the page of partnerships to assign


@pytest.fixture
def split(partnership, icb, carol, central, essex):
    succession, _ = succession_record(
        predecessor=icb,
        kind=Succession.Kind.SPLIT,
        takes_effect_on=APRIL,
        successors=[central, essex],
        by=None,
    )
    succession_carry_out(succession=succession)
    return succession


def test_a_split_lists_its_partnerships_until_they_are_assigned(
    client, ada, split, partnership, essex
):
    client.force_login(ada)
    page = client.get(reverse("partnerships:successions"))
    assert "Riverside Partnership" in page.text
    transfer = PartnershipTransfer.objects.get()
    url = reverse("partnerships:transfer_assign", kwargs={"transfer_code": transfer.code})

    refused = client.post(url, {"successor": "not-a-successor"})
    assert refused.status_code == 200
    assert "Select one of the successors listed" in refused.text

    response = client.post(url, {"successor": str(essex.code)})

    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.icb == essex
    assert Participant.objects.get(organisation=essex).role == "lead_commissioner"
    assert url not in client.get(reverse("partnerships:successions")).text
    assert client.post(url, {"successor": str(essex.code)}).status_code == 200  # no second time


# People: the successor's admin accepts them; a platform admin all at once


def test_the_successors_admin_accepts_the_people_selected(client, merged, carol, cleo, central):
    viewer = make_user("vic@northvalley.example", merged.predecessor, Membership.Role.VIEWER)
    MembershipOffer.objects.create(
        succession=merged, user=viewer, organisation=central, role="viewer"
    )
    url = reverse("organisations:membership_offers", kwargs={"code": central.code})
    client.force_login(cleo)
    page = client.get(url)
    assert "carol@northvalley.example" in page.text

    nothing = client.post(url, {})
    assert "Select the people who join, or accept them all" in nothing.text

    carol_offer = MembershipOffer.objects.get(user=carol)
    response = client.post(url, {"offers": [str(carol_offer.pk)]})

    assert response.status_code == 302
    assert Membership.objects.get(user=carol, organisation=central).role == "editor"
    assert not Membership.objects.filter(user=viewer, organisation=central).exists()
    client.post(url, {"all": "1"})
    assert Membership.objects.filter(user=viewer, organisation=central).exists()


def test_a_platform_admin_accepts_everyone_at_once(client, ada, merged, carol, central):
    client.force_login(ada)
    response = client.post(reverse("partnerships:offers_accept_all", kwargs={"code": merged.code}))
    assert response.status_code == 302
    assert Membership.objects.filter(user=carol, organisation=central).exists()


def test_accepting_at_once_rejects_get(client, ada, merged):
    client.force_login(ada)
    url = reverse("partnerships:offers_accept_all", kwargs={"code": merged.code})
    assert client.get(url).status_code == 405


# The handover pack


@pytest.fixture
def handed_over(partnership, icb, charity, carol, closed_review, central, framework):
    """A closed review with a significant gap (the ICB rates 5, the charity 2), an open
    action of the ICB's, then the merger."""
    from partnerships.models import Assessment

    for organisation, score in ((icb, 5), (charity, 2)):
        assessment = Assessment.objects.create(review=closed_review, organisation=organisation)
        submit(assessment, default=score)
    store_result(closed_review)
    Action.objects.create(
        partnership=partnership, description="Agree targets", owner_organisation=icb
    )
    partnership.next_review_due = datetime.date(2026, 1, 31)
    partnership.save(update_fields=["next_review_due"])
    succession, _ = succession_record(
        predecessor=icb,
        kind=Succession.Kind.MERGER,
        takes_effect_on=APRIL,
        successors=[central],
        by=None,
    )
    succession_carry_out(succession=succession)
    return succession


def test_the_handover_pack_shows_what_was_inherited(client, handed_over, cleo, central):
    client.force_login(cleo)
    page = client.get(reverse("partnerships:handover", kwargs={"code": central.code})).text

    assert "Riverside Partnership" in page
    assert "NHS North Valley ICB (until 31 March 2026)" in page
    assert "Agree targets" in page
    assert "Review overdue since 31 January 2026" in page
    assert "NHS side 5.0, VCSE side 2.0 (gap +3.0)" in page
    assert "Riverside Mind (VCSE partner)" in page


def test_the_handover_files_agree_with_the_page(client, handed_over, cleo, central):
    client.force_login(cleo)
    response = client.get(reverse("partnerships:handover_csv", kwargs={"code": central.code}))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Partnership"
    assert rows[1][0] == "Riverside Partnership"
    assert rows[1][1] == "NHS North Valley ICB (until 31 March 2026)"
    assert rows[1][8] == "1"  # open actions
    pdf = client.get(reverse("partnerships:handover_pdf", kwargs={"code": central.code}))
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="export.csv", actor=cleo).exists()


def test_the_handover_pack_lists_only_partnerships_the_reader_can_see(
    client, handed_over, central, framework, icb
):
    hidden = Partnership.objects.create(
        name="A partnership Central is not in", kind="grant", framework=framework, icb=icb
    )
    PartnershipTransfer.objects.create(
        partnership=hidden, succession=handed_over, successor=central, area=True
    )
    reader = make_user("rita@central.example", central, role=Membership.Role.VIEWER)
    client.force_login(reader)
    response = client.get(reverse("partnerships:handover_csv", kwargs={"code": central.code}))
    assert "A partnership Central is not in" not in response.content.decode()


# The report: a successor's filter includes its predecessors' partnerships, and says so


def test_the_report_of_a_successor_includes_its_predecessors(
    client, ada, handed_over, central, icb, framework
):
    client.force_login(ada)
    response = client.get(reverse("partnerships:reports"), {"icb": str(central.code)})

    assert response.context["report"].partnerships == 1
    assert (
        "includes the partnerships it inherited from NHS North Valley ICB (until 31 March 2026)"
        in response.text
    )
    picker = response.text.split('name="icb"')[1].split("</select>")[0]
    assert '<optgroup label="NHS Central ICB">' in picker
    assert "NHS Central ICB and its predecessors" in picker
    assert "NHS North Valley ICB (until 31 March 2026)" in picker

    old = client.get(reverse("partnerships:reports"), {"icb": str(icb.code)})
    assert old.context["report"].partnerships == 1  # its partnerships of then


def test_the_handover_pack_withholds_what_a_confidential_review_withholds(
    client, handed_over, closed_review, cleo, ada, central
):
    from partnerships.models import Review

    closed_review.visibility = Review.Visibility.CONFIDENTIAL
    closed_review.save(update_fields=["visibility"])
    store_result(closed_review)  # one organisation a side: both sides are withheld
    url = reverse("partnerships:handover", kwargs={"code": central.code})

    client.force_login(cleo)
    page = client.get(url).text
    assert "gap +3.0" not in page
    assert "out of 100" not in page
    csv_text = client.get(
        reverse("partnerships:handover_csv", kwargs={"code": central.code})
    ).content.decode()
    assert "+3.0" not in csv_text

    client.force_login(ada)  # platform admins see everything
    assert "gap +3.0" in client.get(url).text


def test_the_report_of_a_successor_includes_a_predecessor_not_yet_carried_out(
    client, ada, partnership, icb, central
):
    succession_record(
        predecessor=icb,
        kind=Succession.Kind.MERGER,
        takes_effect_on=datetime.date(2030, 4, 1),
        successors=[central],
        by=None,
    )
    client.force_login(ada)
    response = client.get(reverse("partnerships:reports"), {"icb": str(central.code)})

    assert response.context["report"].partnerships == 1
    assert "inherited from NHS North Valley ICB (until 31 March 2030)" in response.text


def test_a_closed_review_keeps_the_names_of_then(client, ada, handed_over, closed_review):
    client.force_login(ada)
    kwargs = {"code": closed_review.partnership.code, "review_code": closed_review.code}
    for name in ("partnerships:review_detail", "partnerships:review_results"):
        page = client.get(reverse(name, kwargs=kwargs)).text
        assert "NHS North Valley ICB (until 31 March 2026)" in page, name
