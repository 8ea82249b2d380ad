"""A partner that is not on the service yet: added by the lead commissioner with its lead
contact invited as its first admin; the review and partnership pages say who cannot answer."""

from django.core import mail
from django.urls import reverse

from organisations.models import AuditEvent, Invitation, Organisation
from partnerships.models import Participant
from tests.conftest import database_snapshot

FOODBANK = {
    "name": "Valley Foodbank",
    "kind": "charity",
    "ods_code": "",
    "charity_number": " 1290 999 ",
    "charity_regulator": "CCEW",
    "company_number": "",
    "role": "vcse_partner",
    "email": "Lead@ValleyFoodbank.example",
}


def _add_url(partnership):
    return reverse("partnerships:partner_organisation_add", kwargs={"code": partnership.code})


def _invite_url(participant):
    return reverse(
        "partnerships:participant_invite",
        kwargs={"code": participant.partnership.code, "participant_code": participant.code},
    )


def _add(client, partnership, capture, **changes):
    with capture(execute=True):
        return client.post(_add_url(partnership), {**FOODBANK, **changes})


def test_it_works(client, carol, partnership, django_capture_on_commit_callbacks):
    client.force_login(carol)
    assert client.get(_add_url(partnership)).status_code == 200

    response = _add(client, partnership, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    foodbank = Organisation.objects.get(name="Valley Foodbank")
    # As the import stores it: spaces gone, the regulator kept.
    assert (foodbank.charity_number, foodbank.charity_regulator) == ("1290999", "CCEW")
    assert foodbank.kind == "charity"
    assert Participant.objects.get(partnership=partnership, organisation=foodbank).role == (
        "vcse_partner"
    )
    invitation = Invitation.objects.get(organisation=foodbank)
    assert (invitation.email, invitation.role) == ("lead@valleyfoodbank.example", "admin")
    [email] = mail.outbox
    assert email.to == ["lead@valleyfoodbank.example"]
    actions = set(AuditEvent.objects.filter(actor=carol).values_list("action", flat=True))
    assert {"organisation.added", "participant.added", "membership.invited"} <= actions


def test_it_offers_the_organisation_already_here(
    client, carol, partnership, outside_charity, django_capture_on_commit_callbacks
):
    """Hillside Trust is on the service already, with a company number: typed with a
    space and in short, it is found, offered, and nothing is made or sent."""
    outside_charity.company_number = "01234567"
    outside_charity.save(update_fields=["company_number"])
    client.force_login(carol)
    before = database_snapshot()

    response = _add(
        client,
        partnership,
        django_capture_on_commit_callbacks,
        name="Hillside",
        charity_number="",
        charity_regulator="",
        company_number="1234 567",
    )

    assert response.status_code == 200
    assert "Hillside Trust has one of these identifiers" in response.text
    assert f"chosen={outside_charity.code}" in response.text
    assert database_snapshot() == before
    assert mail.outbox == []


def test_it_checks_identifiers_as_the_import_does(client, carol, partnership):
    client.force_login(carol)

    response = client.post(_add_url(partnership), {**FOODBANK, "charity_number": "12"})

    assert response.status_code == 200
    assert "Enter a charity number of 6 or 7 digits" in response.text
    assert 'value="Valley Foodbank"' in response.text  # nothing typed is lost
    assert not Organisation.objects.filter(name="Valley Foodbank").exists()


def test_it_needs_one_identifier(client, carol, partnership):
    client.force_login(carol)

    response = client.post(
        _add_url(partnership), {**FOODBANK, "charity_number": "", "charity_regulator": ""}
    )

    assert response.status_code == 200
    assert "Enter its ODS code, charity number or company number" in response.text
    assert not Organisation.objects.filter(name="Valley Foodbank").exists()


def test_it_hides_from_outsiders(client, dan, partnership):
    client.force_login(dan)
    before = database_snapshot()
    assert client.post(_add_url(partnership), FOODBANK).status_code == 404
    assert database_snapshot() == before


def test_it_requires_role(client, bob, partnership):
    client.force_login(bob)
    response = client.post(_add_url(partnership), FOODBANK)
    assert response.status_code == 403
    assert not Organisation.objects.filter(name="Valley Foodbank").exists()


def _silent_partner(partnership):
    organisation = Organisation.objects.create(
        name="Quiet Lane Trust", kind="charity", charity_number="1290998", charity_regulator="CCEW"
    )
    return Participant.objects.create(
        partnership=partnership, organisation=organisation, role="vcse_partner"
    )


def test_the_review_page_warns_of_a_partner_with_no_one_to_answer(
    client, carol, alice, partnership
):
    client.force_login(carol)
    url = reverse("partnerships:review_open", kwargs={"code": partnership.code})
    assert 'data-testid="no-one-to-answer"' not in client.get(url).text

    participant = _silent_partner(partnership)

    text = client.get(url).text
    assert "One partner has no one on the service who can answer" in text
    assert _invite_url(participant) in text


def test_the_partnership_page_says_who_cannot_answer(client, carol, alice, bob, partnership):
    participant = _silent_partner(partnership)
    url = reverse("partnerships:detail", kwargs={"code": partnership.code})
    client.force_login(carol)
    text = client.get(url).text
    assert "No one can answer yet" in text
    assert _invite_url(participant) in text
    client.force_login(bob)  # a viewer is told, without the link
    text = client.get(url).text
    assert "No one can answer yet" in text
    assert _invite_url(participant) not in text


def test_it_invites_the_first_admin_once(
    client, carol, partnership, django_capture_on_commit_callbacks
):
    participant = _silent_partner(partnership)
    client.force_login(carol)
    assert client.get(_invite_url(participant)).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_invite_url(participant), {"email": "chair@quietlane.example"})

    assert response.status_code == 302
    [email] = mail.outbox
    assert email.to == ["chair@quietlane.example"]
    invitation = Invitation.objects.get(organisation=participant.organisation)
    assert invitation.role == "admin"
    assert AuditEvent.objects.filter(actor=carol, action="membership.invited").count() == 1


def test_it_does_not_invite_into_an_organisation_with_people(
    client, carol, alice, partnership, charity
):
    """Riverside Mind has people: its own admins invite, not the lead commissioner."""
    participant = Participant.objects.get(partnership=partnership, organisation=charity)
    client.force_login(carol)
    before = database_snapshot()

    response = client.post(_invite_url(participant), {"email": "new@riverside.example"})

    assert response.status_code == 200
    assert "has people on the service: its admins invite others" in response.text
    assert database_snapshot() == before
    assert mail.outbox == []


def test_the_invitation_hides_from_outsiders(client, dan, partnership):
    participant = _silent_partner(partnership)
    client.force_login(dan)
    assert client.post(_invite_url(participant), {"email": "x@example.com"}).status_code == 404
    assert mail.outbox == []
