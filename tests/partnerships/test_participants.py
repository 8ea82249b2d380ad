import pytest
from django.urls import reverse

from organisations.models import Organisation
from partnerships.models import Participant


@pytest.fixture
def council(db):
    return Organisation.objects.create(name="Valley Council", kind="local_authority")


def _url(partnership):
    return reverse("partnerships:participants", kwargs={"code": partnership.code})


def _remove_url(participant):
    return reverse(
        "partnerships:participant_remove",
        kwargs={"code": participant.partnership.code, "participant_code": participant.code},
    )


def test_it_adds_a_partner(client, carol, partnership, council):
    client.force_login(carol)
    response = client.post(
        _url(partnership), {"organisation": council.pk, "role": "local_authority"}
    )
    assert response.status_code == 302
    assert partnership.participants.filter(organisation=council, role="local_authority").exists()


def test_it_does_not_offer_current_partners(client, carol, partnership, charity, council):
    client.force_login(carol)
    response = client.get(_url(partnership))
    options = response.context["form"].fields["organisation"].queryset
    assert council in options
    assert charity not in options


def test_it_refuses_a_second_lead_commissioner(client, carol, partnership, council):
    client.force_login(carol)
    response = client.post(
        _url(partnership), {"organisation": council.pk, "role": "lead_commissioner"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not partnership.participants.filter(organisation=council).exists()


def test_it_hides_from_outsiders(client, dan, partnership, council):
    client.force_login(dan)
    response = client.post(_url(partnership), {"organisation": council.pk, "role": "other"})
    assert response.status_code == 404
    assert partnership.participants.count() == 2


def test_it_requires_role(client, bob, partnership, council):
    client.force_login(bob)
    response = client.post(_url(partnership), {"organisation": council.pk, "role": "other"})
    assert response.status_code == 403
    assert partnership.participants.count() == 2


def test_removing_a_partner_keeps_its_history(client, carol, alice, partnership, charity):
    participant = Participant.objects.get(partnership=partnership, organisation=charity)
    client.force_login(carol)
    response = client.post(_remove_url(participant))
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.left_on is not None
    # A partner that has left no longer sees the partnership.
    client.force_login(alice)
    detail = reverse("partnerships:detail", kwargs={"code": partnership.code})
    assert client.get(detail).status_code == 404


def test_a_removed_partner_can_rejoin(client, carol, partnership, charity):
    participant = Participant.objects.get(partnership=partnership, organisation=charity)
    client.force_login(carol)
    client.post(_remove_url(participant))
    client.post(_url(partnership), {"organisation": charity.pk, "role": "provider"})
    participant.refresh_from_db()
    assert (participant.left_on, participant.role) == (None, "provider")


def test_the_lead_commissioner_cannot_be_removed(client, carol, partnership, icb):
    lead = Participant.objects.get(partnership=partnership, organisation=icb)
    client.force_login(carol)
    response = client.post(_remove_url(lead), follow=True)
    assert "The lead commissioner cannot be removed" in response.text
    lead.refresh_from_db()
    assert lead.left_on is None


def test_remove_hides_from_outsiders(client, dan, partnership, charity):
    participant = Participant.objects.get(partnership=partnership, organisation=charity)
    client.force_login(dan)
    assert client.post(_remove_url(participant)).status_code == 404
    participant.refresh_from_db()
    assert participant.left_on is None


def test_remove_requires_role(client, alice, partnership, charity):
    participant = Participant.objects.get(partnership=partnership, organisation=charity)
    client.force_login(alice)
    assert client.post(_remove_url(participant)).status_code == 403
    participant.refresh_from_db()
    assert participant.left_on is None


def test_remove_rejects_get(client, carol, partnership, charity):
    participant = Participant.objects.get(partnership=partnership, organisation=charity)
    client.force_login(carol)
    assert client.get(_remove_url(participant)).status_code == 405


def test_its_optional_date_says_so_once(client, carol, partnership):
    client.force_login(carol)
    page = client.get(_url(partnership)).text
    assert "Date it joined (optional)" in page
    assert "(optional) (optional)" not in page
