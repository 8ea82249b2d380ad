"""A concern's page and the list: seen by whom its visibility says, and by no one else."""

import pytest
from django.urls import reverse

from organisations.models import Membership, Organisation
from partnerships.models import Concern, Participant
from tests.conftest import make_user


def _url(concern):
    return reverse(
        "partnerships:concern_detail",
        kwargs={"code": concern.partnership.code, "concern_code": concern.code},
    )


def _list(partnership):
    return reverse("partnerships:concern_list", kwargs={"code": partnership.code})


@pytest.fixture
def eve(partnership):
    """Eve edits for Valley Carers, another partner of the partnership."""
    other = Organisation.objects.create(name="Valley Carers", kind="charity")
    Participant.objects.create(partnership=partnership, organisation=other, role="vcse_partner")
    return make_user("eve@valleycarers.example", other, Membership.Role.EDITOR)


def test_it_works(client, bob, concern):
    client.force_login(bob)
    response = client.get(_url(concern))
    assert response.status_code == 200
    assert "Concern raised by Riverside Mind" in response.text
    assert "The monitoring asked of us doubled without notice." in response.text
    assert "Acknowledge the concern" not in response.text  # Bob is not the lead


def test_the_lead_is_offered_to_acknowledge_and_answer(client, carol, concern):
    client.force_login(carol)
    text = client.get(_url(concern)).text
    assert "Acknowledge the concern" in text and "Answer it now" in text
    assert "Open a review of the partnership about this concern" in text


def test_it_hides_from_outsiders(client, dan, concern):
    client.force_login(dan)
    assert client.get(_url(concern)).status_code == 404
    assert client.get(_list(concern.partnership)).status_code == 404


def test_another_partner_cannot_see_a_concern_for_the_lead_only(client, eve, concern):
    client.force_login(eve)
    assert client.get(_url(concern)).status_code == 404
    listed = client.get(_list(concern.partnership))
    assert listed.status_code == 200
    assert "The monitoring asked" not in listed.text and "No concerns that you can see" in (
        listed.text
    )


def test_every_partner_sees_a_concern_shared_with_them(client, eve, concern):
    Concern.objects.filter(pk=concern.pk).update(visibility=Concern.Visibility.PARTNERS)
    client.force_login(eve)
    assert client.get(_url(concern)).status_code == 200


def test_a_platform_admin_sees_it(client, ada, concern):
    client.force_login(ada)
    assert client.get(_url(concern)).status_code == 200


def test_the_partnership_page_shows_open_concerns_to_those_who_may_see_them(
    client, carol, eve, concern
):
    page = reverse("partnerships:detail", kwargs={"code": concern.partnership.code})
    client.force_login(carol)
    text = client.get(page).text
    assert "1 open concern you can see." in text and _url(concern) in text
    client.force_login(eve)
    text = client.get(page).text
    assert "No open concerns that you can see." in text and _url(concern) not in text


def test_the_dashboard_lists_concerns_awaiting_the_lead_overdue_first(
    client, carol, alice, partnership, charity, concern
):
    later = Concern.objects.create(
        partnership=partnership,
        organisation=charity,
        raised_by=alice,
        what_happened="A payment is three months late.",
        would_like="Pay it.",
        visibility="partners",
        acknowledge_by="2099-01-09",
        respond_by="2099-01-30",
    )
    client.force_login(carol)
    response = client.get(reverse("dashboard"))
    assert list(response.context["concerns_awaiting"]) == [concern, later]
    assert "Overdue" in response.text
    client.force_login(alice)
    assert not client.get(reverse("dashboard")).context["concerns_awaiting"]
