import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from organisations import services
from organisations.models import AuditEvent, Invitation, Membership, User
from tests.conftest import PASSWORD

NEW_PASSWORD = "tidal orchard lantern quiet"


def _url(token):
    return reverse("organisations:accept_invitation", kwargs={"token": token})


def _details(**overrides):
    return {
        "first_name": "Nia",
        "last_name": "Okafor",
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
        **overrides,
    }


@pytest.fixture
def anonymous():
    return Client()


def test_a_new_person_sets_a_name_and_password_and_is_signed_in(anonymous, invitation, charity):
    page = anonymous.get(_url(invitation.token))
    assert page.status_code == 200
    assert "Create a password" in page.text
    assert "You will sign in with nia@newcomer.example" in page.text

    response = anonymous.post(_url(invitation.token), _details())
    assert response.status_code == 302
    assert response.url == reverse("dashboard")

    nia = User.objects.get(email="nia@newcomer.example")
    assert (nia.first_name, nia.last_name) == ("Nia", "Okafor")
    assert nia.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=nia, organisation=charity).role == "viewer"
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None and invitation.accepted_by == nia
    assert AuditEvent.objects.filter(action="membership.joined", actor=nia).exists()

    dashboard = anonymous.get(reverse("dashboard"))
    assert dashboard.status_code == 200  # signed in
    assert "Your organisation:" in dashboard.text and "Riverside Mind" in dashboard.text


def test_it_works_once(anonymous, invitation):
    anonymous.post(_url(invitation.token), _details())
    anonymous.logout()
    for response in (
        anonymous.get(_url(invitation.token)),
        anonymous.post(_url(invitation.token), _details(first_name="Mallory")),
    ):
        assert response.status_code == 410
        assert "This invitation has already been used" in response.text
    assert User.objects.get(email="nia@newcomer.example").first_name == "Nia"


def test_it_expires(anonymous, invitation):
    invitation.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    invitation.save(update_fields=["expires_at"])
    for response in (
        anonymous.get(_url(invitation.token)),
        anonymous.post(_url(invitation.token), _details()),
    ):
        assert response.status_code == 410
        assert "This invitation has expired. Ask Riverside Mind for a new one." in response.text
    assert not User.objects.filter(email="nia@newcomer.example").exists()


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "x" * 5000,
        "%00%0d%0a",
        "<script>alert(1)</script>",
        "'; DROP TABLE organisations_invitation; --",
        "😀" * 50,
        "%ED%A0%80",  # a lone surrogate, percent-encoded
    ],
)
def test_an_unknown_token_is_not_found(anonymous, invitation, token):
    assert anonymous.get(f"/organisations/invitations/{token}/").status_code == 404
    assert anonymous.post(f"/organisations/invitations/{token}/", _details()).status_code == 404
    assert Invitation.objects.get().accepted_at is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"new_password1": "short", "new_password2": "short"}, "at least 12 characters"),
        (
            {"new_password1": "password1234", "new_password2": "password1234"},
            "This password is too common",
        ),
        ({"new_password2": "something else entirely"}, "Enter the same password in both"),
        ({"first_name": ""}, "Enter your first name"),
        ({"first_name": "<b>Nia</b>"}, "without the characters &lt; or &gt;"),
        ({"last_name": "Okafor\nBcc: x@example.org"}, "without the characters"),
        ({"last_name": "O" * 151}, "Last name must be 150 characters or fewer"),
    ],
)
def test_it_explains_what_to_fix(anonymous, invitation, overrides, message):
    response = anonymous.post(_url(invitation.token), _details(**overrides))
    assert response.status_code == 200
    assert message in response.text
    assert "<b>Nia</b>" not in response.text
    assert not User.objects.filter(email="nia@newcomer.example").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_someone_with_an_account_signs_in_first(client, dan, amy, charity):
    invitation = _invite(dan.email, charity, amy)
    page = Client().get(_url(invitation.token))
    assert page.status_code == 200
    assert "There is already a Partnership Health account for dan@hillside.example" in page.text
    assert f"{reverse('login')}?next=" in page.text
    assert "new_password1" not in page.text

    client.force_login(dan)
    page = client.get(_url(invitation.token))
    assert "Join Riverside Mind" in page.text
    response = client.post(_url(invitation.token))
    assert response.status_code == 302
    assert Membership.objects.get(user=dan, organisation=charity).role == "editor"
    dan.refresh_from_db()
    assert dan.check_password(PASSWORD)  # unchanged
    assert client.session["organisation"] == str(charity.code)


def test_an_anonymous_post_does_not_take_over_an_account(dan, amy, charity):
    invitation = _invite(dan.email, charity, amy)
    response = Client().post(_url(invitation.token), _details())
    assert response.status_code == 200
    dan.refresh_from_db()
    assert dan.check_password(PASSWORD)
    assert not Membership.objects.filter(user=dan, organisation=charity).exists()


def test_signed_in_as_someone_else_it_explains(client, bob, invitation):
    client.force_login(bob)
    for response in (
        client.get(_url(invitation.token)),
        client.post(_url(invitation.token), _details()),
    ):
        assert response.status_code == 403
        assert "was sent to nia@newcomer.example" in response.text
        assert "you are signed in as bob@riverside.example" in response.text
    assert not User.objects.filter(email="nia@newcomer.example").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


@pytest.fixture
def former(db):
    """Fay left Riverside Mind: her account is deactivated, with her old password."""
    return User.objects.create_user(
        email="former@riverside.example", password=PASSWORD, first_name="Fay", is_active=False
    )


def test_a_deactivated_account_comes_back_only_with_its_own_password(
    anonymous, former, amy, charity
):
    invitation = _invite("former@riverside.example", charity, amy)
    page = anonymous.get(_url(invitation.token))
    assert "first_name" not in page.text and "new_password1" not in page.text
    assert "Enter the password of your account to use it again" in page.text
    assert reverse("password_reset") in page.text

    wrong = anonymous.post(_url(invitation.token), {"password": "not her password at all"})
    assert wrong.status_code == 200
    assert "The password is not right" in wrong.text
    former.refresh_from_db()
    assert not former.is_active

    response = anonymous.post(_url(invitation.token), {"password": PASSWORD})
    assert response.status_code == 302
    former.refresh_from_db()
    assert former.is_active and former.first_name == "Fay"
    assert former.check_password(PASSWORD)  # unchanged
    assert Membership.objects.filter(user=former, organisation=charity).exists()
    assert AuditEvent.objects.filter(action="user.reactivated", actor=former).exists()
    assert anonymous.get(reverse("dashboard")).status_code == 200


def test_the_link_alone_never_sets_a_deactivated_accounts_password(anonymous, former, amy, charity):
    invitation = _invite("former@riverside.example", charity, amy)
    response = anonymous.post(_url(invitation.token), _details())
    assert response.status_code == 200
    former.refresh_from_db()
    assert not former.is_active and former.check_password(PASSWORD)
    assert not Membership.objects.filter(user=former, organisation=charity).exists()
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=invitation, password=NEW_PASSWORD)
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=invitation, current_password="a wrong guess")
    former.refresh_from_db()
    assert not former.is_active and former.check_password(PASSWORD)


def test_wrong_passwords_count_toward_the_sign_in_lock(anonymous, former, amy, charity):
    invitation = _invite("former@riverside.example", charity, amy)
    statuses = [
        anonymous.post(_url(invitation.token), {"password": f"wrong guess {n}"}).status_code
        for n in range(5)
    ]
    assert statuses == [200] * 4 + [429]
    locked = anonymous.post(_url(invitation.token), {"password": PASSWORD})
    assert locked.status_code == 429
    assert "locked for 15 minutes" in locked.text
    former.refresh_from_db()
    assert not former.is_active


def test_a_forgotten_password_is_reset_by_email_first(anonymous, former, amy, charity):
    anonymous.post(reverse("password_reset"), {"email": former.email})
    assert mail.outbox == []  # deactivated, and not invited: nothing to come back to
    invitation = _invite("former@riverside.example", charity, amy)
    anonymous.post(reverse("password_reset"), {"email": former.email})
    [email] = mail.outbox
    link = re.search(r"https?://[^/]+(/accounts/password-reset/\S+/)", email.body)[1]
    form_page = anonymous.get(link, follow=True)
    anonymous.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    former.refresh_from_db()
    assert not former.is_active  # the reset alone does not bring it back

    response = anonymous.post(_url(invitation.token), {"password": NEW_PASSWORD})
    assert response.status_code == 302
    former.refresh_from_db()
    assert former.is_active


def test_an_invitation_to_a_look_alike_address_is_a_new_account(
    client, amy, charity, django_capture_on_commit_callbacks
):
    """Ivan left; an admin invites ıvan (dotless ı), an address that only looks like his."""
    ivan = User.objects.create_user(
        email="ivan.gone@riverside.example", password=PASSWORD, is_active=False
    )
    client.force_login(amy)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("organisations:invite", kwargs={"code": charity.code}),
            {"email": "ıvan.gone@riverside.example", "role": "viewer"},
        )
    [email] = mail.outbox
    token = re.search(r"/organisations/invitations/([^/\s]+)/", email.body)[1]
    client.logout()
    page = client.get(_url(token))
    assert "first_name" in page.text  # a new account, not Ivan's
    client.post(_url(token), _details())
    ivan.refresh_from_db()
    assert not ivan.is_active and ivan.check_password(PASSWORD)
    assert not Membership.objects.filter(user=ivan).exists()
    newcomer = User.objects.get(email="ıvan.gone@riverside.example")
    assert newcomer.pk != ivan.pk


def _invite(email, organisation, by):
    from organisations.services import invitation_token_hash

    token = f"token-for-{email}"
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=Membership.Role.EDITOR,
        token_hash=invitation_token_hash(token),
        invited_by=by,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    invitation.token = token
    return invitation
