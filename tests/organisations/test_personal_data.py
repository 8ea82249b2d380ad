"""An admin exports everything held about a person, and erases a person while their
organisation's records stay."""

import datetime
import json

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from organisations.audit import audit
from organisations.models import AuditEvent, Invitation, Membership
from organisations.services import person_erase, person_export
from partnerships.models import Action, Assessment
from tests.conftest import PASSWORD, submit

USERS = reverse("admin:organisations_user_changelist")


@pytest.fixture
def alices_work(alice, charity, charity_assessment, action, partnership):
    """Alice submitted her charity's assessment, owns an action and has been in the trail."""
    submit(charity_assessment, by=alice)
    audit(alice, "partnership.changed", partnership, organisation=charity)
    Invitation.objects.create(
        organisation=charity,
        email=alice.email,
        role="editor",
        token_hash="a" * 64,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    return charity_assessment


def test_the_export_holds_memberships_actions_assessments_and_events(alice, ada, alices_work):
    data = person_export(person=alice, by=ada)
    assert data["person"]["email"] == alice.email
    assert data["memberships"] == [
        {
            "organisation": "Riverside Mind",
            "organisation_code": str(alices_work.organisation.code),
            "role": "editor",
            "since": data["memberships"][0]["since"],
        }
    ]
    [action] = data["actions"]
    assert (action["description"], action["owned_by_them"], action["created_by_them"]) == (
        "Agree a lighter quarterly report",
        True,
        False,
    )
    assert [a["code"] for a in data["assessments_submitted"]] == [str(alices_work.code)]
    assert [i["email"] for i in data["invitations_received"]] == [alice.email]
    assert "partnership.changed" in [e["action"] for e in data["audit_events"]]
    json.dumps(data)  # ready to download as it is
    exported = AuditEvent.objects.get(action="person.exported")
    assert (exported.actor, exported.object_id) == (ada, str(alice.pk))


def test_the_admin_downloads_the_export_as_json(client, ada, alice, alices_work):
    client.force_login(ada)
    response = client.post(
        USERS, {"action": "export_personal_data", ACTION_CHECKBOX_NAME: [alice.pk]}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    filename = f"person-{alice.pk}-{timezone.localdate():%Y-%m-%d}.json"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    data = json.loads(response.content)
    assert data["person"]["email"] == alice.email
    assert [m["organisation"] for m in data["memberships"]] == ["Riverside Mind"]


def test_the_export_is_of_one_person_at_a_time(client, ada, alice, bob):
    client.force_login(ada)
    response = client.post(
        USERS,
        {"action": "export_personal_data", ACTION_CHECKBOX_NAME: [alice.pk, bob.pk]},
        follow=True,
    )
    assert "Select one person to export." in response.text
    assert not AuditEvent.objects.filter(action="person.exported").exists()


def test_erasing_replaces_the_name_and_email_and_keeps_the_records(alice, ada, alices_work, action):
    old_email = alice.email
    person_erase(person=alice, by=ada)
    alice.refresh_from_db()
    assert (alice.first_name, alice.last_name) == ("Erased", "Erased")
    assert alice.email == f"erased-{alice.pk}@erased.invalid"
    assert not alice.is_active and not alice.has_usable_password()
    assert not Membership.objects.filter(user=alice).exists()
    # The organisation's records stay, now showing the erased name.
    assert Assessment.objects.get(pk=alices_work.pk).submitted_by == alice
    assert Action.objects.get(pk=action.pk).owner == alice
    invitation = Invitation.objects.get()
    assert invitation.email == alice.email and invitation.revoked_at is not None
    # The trail is not rewritten.
    assert AuditEvent.objects.filter(actor=alice, actor_email=old_email).exists()
    erased = AuditEvent.objects.get(action="person.erased")
    assert (erased.actor, erased.object_id) == (ada, str(alice.pk))
    assert old_email not in json.dumps(erased.changes) + erased.object_repr


def test_erasing_signs_the_person_out_and_they_cannot_sign_in_again(client, alice, ada):
    client.post(reverse("login"), {"username": alice.email, "password": PASSWORD})
    assert client.get(reverse("dashboard")).status_code == 200
    session_key, old_email = client.session.session_key, alice.email
    person_erase(person=alice, by=ada)
    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get(reverse("dashboard")).status_code == 302  # sent to sign in
    for email in (old_email, alice.email):
        response = client.post(reverse("login"), {"username": email, "password": PASSWORD})
        assert response.status_code == 200
        assert "Enter a correct email address and password." in response.text


def test_an_admin_cannot_erase_themselves(ada):
    with pytest.raises(ValidationError):
        person_erase(person=ada, by=ada)
    ada.refresh_from_db()
    assert ada.is_active


def test_the_admin_asks_before_erasing(client, ada, alice):
    client.force_login(ada)
    chosen = {"action": "erase_personal_data", ACTION_CHECKBOX_NAME: [alice.pk]}
    page = client.post(USERS, chosen)
    assert page.status_code == 200
    assert "Erasing cannot be undone" in page.text and alice.email in page.text
    alice.refresh_from_db()
    assert alice.is_active

    response = client.post(USERS, {**chosen, "confirmed": "yes"}, follow=True)
    assert "Erased 1 person." in response.text
    alice.refresh_from_db()
    assert (alice.first_name, alice.is_active) == ("Erased", False)
