"""Two-factor authentication: an authenticator app (TOTP) and recovery codes; required for
platform admins and organisation admins, open to everyone."""

import datetime
import re
import time

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from organisations import services
from organisations.models import AuditEvent, Invitation, Membership, Organisation
from organisations.services import RECOVERY_CODE_COUNT, recovery_code_hash, two_factor_turn_on
from tests.conftest import PASSWORD, SignedInClient, make_user, sign_in

SETUP = reverse("two_factor_setup")
VERIFY = reverse("two_factor_verify")
RECOVERY = reverse("two_factor_recovery_codes")
CONFIRM = reverse("two_factor_confirm")
TURN_OFF = reverse("two_factor_turn_off")
WRONG = "The code is not right."
THROTTLED = "You have entered too many wrong codes."


def code_for(key: str, *, later: int = 0) -> str:
    """The code an authenticator app with this hex key shows, `later` seconds from now."""
    totp = TOTP(bytes.fromhex(key))
    totp.time = time.time() + later
    return f"{totp.token():06d}"


def wrong_code(key: str) -> str:
    accepted = {code_for(key, later=seconds) for seconds in (-30, 0, 30)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def with_app(user) -> TOTPDevice:
    return with_app_and_codes(user)[0]


def with_app_and_codes(user) -> tuple[TOTPDevice, list[str]]:
    return two_factor_turn_on(user=user, key=random_hex(20))


def stored_tokens(user) -> list[str]:
    return list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def shown_codes(response) -> list[str]:
    return re.findall(r"<code>([a-z2-7]{16})</code>", response.text)


def confirm(client, user, password=PASSWORD):
    """Confirms it is them, as the confirmation page asks before the app or codes change."""
    return client.post(CONFIRM, {"password": password})


@pytest.fixture
def org_admin(charity):
    return make_user("olu@riverside.example", charity, Membership.Role.ADMIN)


# Set-up ---------------------------------------------------------------------------------


def test_anyone_can_set_up_an_authenticator_app(client, alice):
    client.force_login(alice)
    page = client.get(SETUP)
    assert page.status_code == 200
    assert '<svg role="img"' in page.text
    assert "QR code to add Partnership Health to your authenticator app" in page.text
    key = client.session["two_factor_setup_key"]
    assert page.context["secret"].replace(" ", "") in page.text.replace(" ", "")

    response = client.post(SETUP, {"code": code_for(key)})

    assert response.status_code == 200
    assert "Your recovery codes" in response.text
    device = TOTPDevice.objects.get(user=alice)
    assert device.confirmed and device.key == key
    codes = shown_codes(response)
    assert len(set(codes)) == len(stored_tokens(alice)) == RECOVERY_CODE_COUNT
    profile = client.get(reverse("profile"))
    assert "govuk-tag--green" in profile.text
    assert f"{RECOVERY_CODE_COUNT} left" in profile.text
    assert AuditEvent.objects.filter(action="user.two_factor_turned_on", actor=alice).exists()


def test_the_secret_stays_the_same_until_the_app_is_confirmed(client, alice):
    client.force_login(alice)
    first = client.get(SETUP).context["secret"]
    assert client.get(SETUP).context["secret"] == first
    assert not TOTPDevice.objects.filter(user=alice).exists()


def test_a_wrong_code_at_set_up_says_so_beside_the_field(client, alice):
    client.force_login(alice)
    client.get(SETUP)
    key = client.session["two_factor_setup_key"]
    response = client.post(SETUP, {"code": wrong_code(key)})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert 'id="id_code_1_error"' in response.text
    assert WRONG in response.text
    assert not TOTPDevice.objects.filter(user=alice).exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [("", "Enter the 6-digit code from your authenticator app"), ("12ab", "Enter the code as 6")],
)
def test_set_up_asks_for_six_digits(client, alice, code, message):
    client.force_login(alice)
    response = client.post(SETUP, {"code": code})
    assert message in response.text


def test_a_new_app_replaces_the_old_one(client, alice):
    old = with_app(alice)
    client.force_login(alice)
    confirm(client, alice)
    page = client.get(SETUP)
    assert "This replaces the authenticator app you use now" in page.text
    key = client.session["two_factor_setup_key"]
    client.post(SETUP, {"code": code_for(key)})
    assert list(TOTPDevice.objects.filter(user=alice).values_list("key", flat=True)) == [key]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


def test_the_code_that_confirmed_the_app_cannot_sign_in_again(client, alice):
    client.force_login(alice)
    client.get(SETUP)
    key = client.session["two_factor_setup_key"]
    code = code_for(key)
    client.post(SETUP, {"code": code})
    client.post(reverse("logout"))

    sign_in(client, alice)
    response = client.post(VERIFY, {"code": code})
    assert WRONG in response.text


# The second step at sign-in -------------------------------------------------------------


def test_sign_in_asks_for_the_code_before_any_other_page(client, alice, partnership):
    device = with_app(alice)
    response = sign_in(client, alice)
    assert response.url == reverse("dashboard")

    for url in (reverse("dashboard"), reverse("profile"), SETUP, RECOVERY, TURN_OFF):
        blocked = client.get(url)
        assert blocked.status_code == 302, url
        assert blocked.url.startswith(f"{VERIFY}?next="), url
    assert client.get(VERIFY).status_code == 200

    key_before = client.cookies["sessionid"].value
    verified = client.post(
        f"{VERIFY}?next=/partnerships/{partnership.code}/", {"code": code_for(device.key)}
    )

    assert verified.status_code == 302
    assert verified.url == f"/partnerships/{partnership.code}/"
    assert client.cookies["sessionid"].value != key_before
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_wrong_code_is_refused_with_a_message(client, alice):
    device = with_app(alice)
    sign_in(client, alice)
    response = client.post(VERIFY, {"code": wrong_code(device.key)})
    assert response.status_code == 200
    assert WRONG in response.text
    assert 'id="id_code_1_error"' in response.text
    assert client.get(reverse("dashboard")).url.startswith(VERIFY)


def test_repeated_wrong_codes_are_slowed_down(client, alice):
    device = with_app(alice)
    sign_in(client, alice)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post(VERIFY, {"code": wrong_code(device.key)})
        throttled = client.post(VERIFY, {"code": code_for(device.key)})
    assert THROTTLED in throttled.text
    assert "Wait 1 second, then try again." in throttled.text

    with time_machine.travel(start + datetime.timedelta(seconds=2), tick=False):
        response = client.post(VERIFY, {"code": code_for(device.key)})
    assert response.status_code == 302


def test_a_recovery_code_works_once(client, alice):
    _, codes = with_app_and_codes(alice)
    code = codes[0]
    sign_in(client, alice)
    response = client.post(VERIFY, {"code": code.upper()[:4] + " " + code.upper()[4:]})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert len(stored_tokens(alice)) == RECOVERY_CODE_COUNT - 1
    client.post(reverse("logout"))

    sign_in(client, alice)
    again = client.post(VERIFY, {"code": code})
    assert WRONG in again.text


def test_the_next_address_must_be_on_this_site(client, alice):
    device = with_app(alice)
    sign_in(client, alice)
    response = client.post(
        f"{VERIFY}?next=https://elsewhere.example/", {"code": code_for(device.key)}
    )
    assert response.url == reverse("dashboard")


def test_a_person_waiting_for_the_code_can_sign_out(client, alice):
    with_app(alice)
    sign_in(client, alice)
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session


def test_a_stolen_password_cannot_replace_the_app(client, alice):
    device = with_app(alice)
    sign_in(client, alice)
    response = client.post(SETUP, {"code": "123456"})
    assert response.url.startswith(VERIFY)
    assert list(TOTPDevice.objects.filter(user=alice)) == [device]


def test_people_without_an_app_who_need_none_go_straight_in(client, alice):
    sign_in(client, alice)
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(VERIFY).url == reverse("dashboard")


# Required for admins --------------------------------------------------------------------


@pytest.mark.parametrize("person", ["ada", "org_admin"])
def test_admins_must_set_up_two_factor_before_anything_else(request, client, person):
    user = request.getfixturevalue(person)
    sign_in(client, user)

    for url in (reverse("dashboard"), reverse("profile"), RECOVERY, "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(f"{SETUP}?next="), url

    page = client.get(SETUP)
    assert "Platform admins and organisation admins must use two-factor authentication" in page.text
    key = client.session["two_factor_setup_key"]
    done = client.post(f"{SETUP}?next=/", {"code": code_for(key)})
    assert len(shown_codes(done)) == RECOVERY_CODE_COUNT
    assert 'href="/"' in done.text  # Continue, to where they were going
    assert client.get(reverse("dashboard")).status_code == 200


def _promote_through_the_people_page(bob, amy):
    admin = SignedInClient()
    admin.force_login(amy)
    membership = bob.memberships.get()
    url = reverse(
        "organisations:member_role",
        kwargs={"code": membership.organisation.code, "membership_id": membership.pk},
    )
    assert admin.post(url, {"role": "admin"}).status_code == 302
    assert bob.memberships.get().role == "admin"


def _promote_through_the_admin_site(bob, ada):
    admin = SignedInClient()
    admin.force_login(ada)
    membership = bob.memberships.get()
    url = reverse("admin:organisations_membership_change", args=[membership.pk])
    data = {"user": bob.pk, "organisation": membership.organisation_id, "role": "admin"}
    assert admin.post(url, data).status_code == 302
    assert bob.memberships.get().role == "admin"


def _make_platform_admin(bob, ada):
    bob.is_staff = True
    bob.save(update_fields=["is_staff"])  # as the admin site saves a person


def _join_as_admin_by_invitation(bob, ada):
    # Bob accepts an invitation to be an admin of another organisation, in another tab.
    other = Organisation.objects.create(name="Hillside Trust", kind=Organisation.Kind.CHARITY)
    invitation = Invitation.objects.create(
        organisation=other,
        email=bob.email,
        role=Membership.Role.ADMIN,
        token_hash="0" * 64,
        invited_by=ada,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    services.invitation_accept(invitation=invitation, user=bob)


@pytest.mark.parametrize(
    "promote",
    [
        _promote_through_the_people_page,
        _promote_through_the_admin_site,
        _make_platform_admin,
        _join_as_admin_by_invitation,
    ],
)
def test_a_person_made_an_admin_mid_session_must_set_up_two_factor_next(
    client, bob, amy, ada, promote
):
    sign_in(client, bob)
    assert client.get(reverse("dashboard")).status_code == 200

    promote(bob, ada)

    for url in (
        reverse("dashboard"),
        reverse(
            "organisations:people",
            kwargs={"code": bob.memberships.order_by("pk").first().organisation.code},
        ),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(f"{SETUP}?next="), url


def test_a_person_made_an_admin_who_has_an_app_gives_a_code_next(client, bob, amy, ada):
    with_app(bob)
    sign_in(client, bob)
    session = client.session
    session["two_factor"] = "not_needed"  # as an older session of his held, before the app
    session.save()
    _promote_through_the_people_page(bob, amy)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(f"{VERIFY}?next=")


def test_an_editor_is_not_made_to_set_up_two_factor(client, alice, carol):
    for person in (alice, carol):
        sign_in(client, person)
        assert client.get(reverse("dashboard")).status_code == 200
        client.post(reverse("logout"))


def test_admins_cannot_turn_two_factor_off(client, ada):
    client.force_login(ada)
    page = client.get(TURN_OFF)
    assert page.status_code == 403
    assert "must keep two-factor authentication on" in page.text
    assert client.post(TURN_OFF).status_code == 403
    assert TOTPDevice.objects.filter(user=ada).exists()
    profile = client.get(reverse("profile"))
    assert "cannot be turned off" in profile.text
    assert TURN_OFF not in profile.text


def test_an_editor_can_turn_two_factor_off(client, alice):
    with_app(alice)
    client.force_login(alice)
    confirm(client, alice)
    assert client.get(TURN_OFF).status_code == 200

    response = client.post(TURN_OFF)

    assert response.url == reverse("profile")
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert not StaticDevice.objects.filter(user=alice).exists()
    client.post(reverse("logout"))
    sign_in(client, alice)
    assert client.get(reverse("dashboard")).status_code == 200


def test_turning_two_factor_off_needs_the_password_or_a_code_again(client, alice):
    device = with_app(alice)
    client.force_login(alice)
    for response in (client.get(TURN_OFF), client.post(TURN_OFF)):
        assert response.url == f"{CONFIRM}?next={TURN_OFF.replace('/', '%2F')}"
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    confirm(client, alice, code_for(device.key))
    assert client.post(TURN_OFF).url == reverse("profile")
    assert not TOTPDevice.objects.filter(user=alice).exists()
    event = AuditEvent.objects.get(action="user.two_factor_turned_off", actor=alice)
    assert event.changes == {"confirmed_with": "code"}


# Recovery codes -------------------------------------------------------------------------


def test_recovery_codes_are_stored_only_as_hashes_and_shown_once(client, alice):
    _, codes = with_app_and_codes(alice)
    stored = stored_tokens(alice)
    assert len(stored) == RECOVERY_CODE_COUNT
    assert not set(codes) & set(stored)
    assert not any(code in token or token in code for code in codes for token in stored)

    client.force_login(alice)
    confirm(client, alice)
    page = client.get(RECOVERY)
    assert page.status_code == 200
    assert f"You have {RECOVERY_CODE_COUNT} recovery codes left" in page.text
    assert not shown_codes(page)
    assert not any(code in page.text for code in codes)


def test_new_recovery_codes_need_the_password_again(client, alice):
    _, old = with_app_and_codes(alice)
    stored = stored_tokens(alice)
    client.force_login(alice)

    for response in (client.get(RECOVERY), client.post(RECOVERY)):
        assert response.status_code == 302
        assert response.url == f"{CONFIRM}?next={RECOVERY.replace('/', '%2F')}"
    assert stored_tokens(alice) == stored

    page = client.get(f"{CONFIRM}?next={RECOVERY}")
    assert "Confirm it is you" in page.text
    wrong = confirm(client, alice, password="not my password at all")
    assert wrong.status_code == 200
    assert "The password or code is not right" in wrong.text
    assert client.post(RECOVERY).status_code == 302  # still not confirmed

    assert client.post(f"{CONFIRM}?next={RECOVERY}", {"password": PASSWORD}).url == RECOVERY
    response = client.post(RECOVERY)

    assert response.status_code == 200
    new = shown_codes(response)
    assert len(set(new)) == RECOVERY_CODE_COUNT and not set(new) & set(old)
    assert "The old ones no longer work" in response.text
    event = AuditEvent.objects.get(action="user.recovery_codes_replaced", actor=alice)
    assert event.changes == {"confirmed_with": "password"}
    client.post(reverse("logout"))
    sign_in(client, alice)
    assert client.post(VERIFY, {"code": new[0]}).status_code == 302
    client.post(reverse("logout"))
    sign_in(client, alice)
    assert WRONG in client.post(VERIFY, {"code": old[0]}).text


def test_replacing_the_app_needs_a_current_code_or_the_password_again(client, alice):
    old = with_app(alice)
    client.force_login(alice)
    response = client.get(SETUP)
    assert response.url.startswith(f"{CONFIRM}?next=")
    assert client.post(SETUP, {"code": "123456"}).url.startswith(f"{CONFIRM}?next=")
    assert list(TOTPDevice.objects.filter(user=alice)) == [old]

    # A recovery code is not enough: it is the app or the password.
    _, codes = two_factor_turn_on(user=alice, key=old.key)
    assert "The password or code is not right" in confirm(client, alice, codes[0]).text
    assert confirm(client, alice, code_for(old.key)).status_code == 302
    page = client.get(SETUP)
    assert "This replaces the authenticator app you use now" in page.text
    key = client.session["two_factor_setup_key"]
    done = client.post(SETUP, {"code": code_for(key)})
    assert len(shown_codes(done)) == RECOVERY_CODE_COUNT
    assert list(TOTPDevice.objects.filter(user=alice).values_list("key", flat=True)) == [key]
    event = AuditEvent.objects.filter(action="user.two_factor_replaced", actor=alice).first()
    assert event.changes == {"confirmed_with": "code"}
    # Each confirmation is for one change: the next one asks again.
    assert client.get(SETUP).url.startswith(f"{CONFIRM}?next=")


def test_a_confirmation_lasts_five_minutes(client, alice):
    with_app(alice)
    client.force_login(alice)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        confirm(client, alice)
    with time_machine.travel(start + datetime.timedelta(minutes=4, seconds=59), tick=False):
        assert client.get(RECOVERY).status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=5, seconds=1), tick=False):
        assert client.get(RECOVERY).url.startswith(f"{CONFIRM}?next=")


def test_wrong_passwords_on_the_confirmation_count_toward_the_sign_in_lock(client, alice):
    with_app(alice)
    client.force_login(alice)
    statuses = [confirm(client, alice, f"wrong guess {n}").status_code for n in range(5)]
    assert statuses == [200] * 4 + [429]
    locked = confirm(client, alice)
    assert locked.status_code == 429
    assert "locked for 15 minutes" in locked.text
    assert client.post(RECOVERY).url.startswith(f"{CONFIRM}?next=")


def test_the_hashing_migration_keeps_existing_codes_working(client, alice):
    import importlib

    from django.apps import apps

    hash_codes = importlib.import_module(
        "organisations.migrations.0006_hash_recovery_codes"
    ).hash_recovery_codes
    device = with_app(alice)
    StaticToken.objects.filter(device__user=alice).delete()
    static = StaticDevice.objects.get(user=alice)
    StaticToken.objects.create(device=static, token="abcdefgh")  # django-otp's, kept plain
    hash_codes(apps, None)
    assert stored_tokens(alice) == [recovery_code_hash("abcdefgh")]
    sign_in(client, alice)
    assert client.post(VERIFY, {"code": "ABCD EFGH"}).status_code == 302
    assert device.pk


def test_recovery_codes_need_an_app_first(client, alice):
    client.force_login(alice)
    assert client.get(RECOVERY).url == SETUP


# Hostile input --------------------------------------------------------------------------

HOSTILE = ["<script>alert(1)</script>", "\x00", "9" * 5000, "١٢٣٤٥٦", " 12 34 56 "]


@pytest.mark.parametrize("value", HOSTILE)
def test_odd_input_to_the_code_forms_is_refused_politely(client, alice, value):
    with_app(alice)
    sign_in(client, alice)
    for url in (VERIFY,):
        response = client.post(url, {"code": value})
        assert response.status_code in {200, 302}
        assert "<script>alert(1)</script>" not in response.text
    client.post(reverse("logout"))
    client.force_login(alice)
    confirm(client, alice)
    response = client.post(SETUP, {"code": value})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
