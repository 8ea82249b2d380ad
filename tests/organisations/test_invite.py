import datetime
import hashlib
import re
import socket

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from organisations.models import AuditEvent, Invitation
from organisations.services import invitation_send


def _url(organisation):
    return reverse("organisations:invite", kwargs={"code": organisation.code})


def _revoke_url(invitation):
    return reverse(
        "organisations:invitation_revoke",
        kwargs={"code": invitation.organisation.code, "invitation_id": invitation.pk},
    )


def _link(message) -> str:
    return re.search(r"https?://[^/\s]+(/organisations/invitations/[^/\s]+/)", message.body)[1]


@pytest.fixture
def invite(client, django_capture_on_commit_callbacks):
    """Posts the invitation form and sends the mail queued for after the commit."""

    def post(organisation, email="nia@newcomer.example", role="editor"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(_url(organisation), {"email": email, "role": role})

    return post


def test_it_sends_an_email_with_a_working_link(client, amy, charity, invite, settings):
    settings.SITE_URL = "https://partnership-health.example"
    client.force_login(amy)
    response = invite(charity)
    assert response.status_code == 302
    assert response.url == reverse("organisations:people", kwargs={"code": charity.code})

    invitation = Invitation.objects.get(organisation=charity, email="nia@newcomer.example")
    assert invitation.role == "editor"
    assert invitation.invited_by == amy
    lifetime = invitation.expires_at - invitation.created_at
    assert abs(lifetime - datetime.timedelta(days=7)) < datetime.timedelta(seconds=5)

    [message] = mail.outbox
    assert message.to == ["nia@newcomer.example"]
    assert message.subject == "Amy invited you to join Riverside Mind on Partnership Health"
    assert "https://partnership-health.example/organisations/invitations/" in message.body
    assert "Partnership Health is where NHS commissioners" in message.body
    expires = timezone.localtime(invitation.expires_at)
    assert f"expires on {expires:%-d %B %Y}" in message.body
    assert "works once" in message.body
    [(html, mime)] = message.alternatives
    assert mime == "text/html"
    assert _link(message) in html

    client.logout()
    page = client.get(_link(message))
    assert page.status_code == 200
    assert "Join Riverside Mind" in page.text


def test_the_token_is_not_stored_in_clear(client, amy, charity, invite):
    client.force_login(amy)
    invite(charity)
    token = _link(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = repr(list(Invitation.objects.values_list())) + repr(
        list(AuditEvent.objects.values_list())
    )
    assert token not in stored


def test_a_new_invitation_revokes_the_pending_one(client, amy, charity, invite):
    client.force_login(amy)
    invite(charity, role="viewer")
    invite(charity, email="NIA@newcomer.example", role="admin")
    first, second = Invitation.objects.order_by("created_at")
    assert first.revoked_at is not None
    assert second.revoked_at is None and second.role == "admin"

    client.logout()
    old_link, new_link = (_link(message) for message in mail.outbox)
    assert "This invitation was cancelled" in client.get(old_link).text
    assert client.get(new_link).status_code == 200


def test_it_says_when_the_person_is_already_a_member(client, amy, bob, charity, invite):
    client.force_login(amy)
    response = invite(charity, email="Bob@Riverside.example")
    assert response.status_code == 200
    assert "is already a member of Riverside Mind" in response.text
    assert 'href="#id_email"' in response.text  # the summary links to the email field
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_it_records_the_invitation_in_the_audit_trail(client, amy, charity, invite):
    client.force_login(amy)
    invite(charity)
    event = AuditEvent.objects.get(action="membership.invited")
    assert (event.actor, event.organisation) == (amy, charity)
    assert event.changes == {"email": [None, "nia@newcomer.example"], "role": [None, "editor"]}


def test_it_hides_from_outsiders(client, dan, charity, amy, invite):
    client.force_login(dan)
    assert invite(charity).status_code == 404
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_it_requires_role(client, alice, bob, charity, invite):
    for person in (alice, bob):
        client.force_login(person)
        assert invite(charity).status_code == 403
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_platform_admins_invite_to_any_organisation(client, ada, outside_charity, invite):
    client.force_login(ada)
    assert invite(outside_charity).status_code == 302
    assert Invitation.objects.get().organisation == outside_charity


@pytest.mark.parametrize(
    ("email", "role", "message"),
    [
        ("a" * 300 + "@example.org", "editor", "Email address must be 254 characters or fewer"),
        ("<script>alert(1)</script>@example.org", "editor", "Enter an email address in the"),
        ("", "editor", "Enter the email address of the person to invite"),
        ("nia@newcomer.example", "owner", "Select admin, editor or viewer"),
    ],
)
def test_it_explains_bad_input(client, amy, charity, invite, email, role, message):
    client.force_login(amy)
    response = invite(charity, email=email, role=role)
    assert response.status_code == 200
    assert message in response.text
    assert "<script>alert(1)</script>" not in response.text
    assert not Invitation.objects.exists()


def test_it_keeps_the_invitation_when_the_mail_server_is_down(
    amy, charity, settings, django_capture_on_commit_callbacks
):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    # The mail goes once the invitation is committed; its failure reaches the caller.
    with pytest.raises(OSError), django_capture_on_commit_callbacks(execute=True):
        invitation_send(organisation=charity, email="nia@newcomer.example", role="editor", by=amy)
    assert Invitation.objects.filter(revoked_at__isnull=True).count() == 1


# Cancelling an invitation.


def test_cancelling_stops_the_link_working(client, amy, invitation):
    client.force_login(amy)
    response = client.post(_revoke_url(invitation))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEvent.objects.filter(action="invitation.revoked", actor=amy).exists()
    client.logout()
    page = client.get(
        reverse("organisations:accept_invitation", kwargs={"token": invitation.token})
    )
    assert "This invitation was cancelled. Ask Riverside Mind for a new one." in page.text


def test_cancelling_rejects_get(client, amy, invitation):
    client.force_login(amy)
    assert client.get(_revoke_url(invitation)).status_code == 405


def test_cancelling_hides_from_outsiders(client, dan, invitation):
    client.force_login(dan)
    assert client.post(_revoke_url(invitation)).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_cancelling_requires_role(client, bob, invitation):
    client.force_login(bob)
    assert client.post(_revoke_url(invitation)).status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_cancelling_reaches_only_this_organisations_invitations(
    client, ada, invitation, outside_charity
):
    client.force_login(ada)
    url = reverse(
        "organisations:invitation_revoke",
        kwargs={"code": outside_charity.code, "invitation_id": invitation.pk},
    )
    assert client.post(url).status_code == 404
