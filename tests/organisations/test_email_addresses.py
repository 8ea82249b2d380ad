"""One canonical form for an email address (organisations/email_addresses.py): NFKC, then
casefolded; an address that changes under it beyond letter case, or mixes scripts, is refused.
Sign-in, the lockout, password reset, invitations and new accounts all use it."""

import importlib

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from organisations.email_addresses import canonical_email
from organisations.models import Invitation, Membership, User
from tests.conftest import PASSWORD, make_user

# The account of the issue, and the look-alikes that signed in to it: ſ is U+017F (long s,
# NFKC makes it s), ı is U+0131 (dotless i, which PostgreSQL upper-cases to I), а is U+0430
# (Cyrillic a), ｓ is U+FF53 (full-width s).
SAM = "sam.lead@southridge-icb.example"
LOOK_ALIKES = [
    "ſam.lead@southridge-icb.example",
    "sam.lead@ſouthridge-icb.example",
    "sam.lead@southrıdge-icb.example",
    "sаm.lead@southridge-icb.example",
    "ｓam.lead@southridge-icb.example",
    "sam.lead@southridge-icb.example".replace("e", "e\u0301", 1),
]


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("sam.lead@southridge-icb.example", "sam.lead@southridge-icb.example"),
        ("  Sam.Lead@SouthRidge-ICB.example ", "sam.lead@southridge-icb.example"),
        ("JOSÉ@EXAMPLE.ORG", "josé@example.org"),
        ("jose\u0301@example.org", "josé@example.org"),  # decomposed é: the same letter
        ("\u212aate@example.org", "kate@example.org"),  # the Kelvin sign is K to Unicode
        ("иван@пример.рф", "иван@пример.рф"),
        ("ivan@пример.рф", "ivan@пример.рф"),  # scripts differ between parts, not within
    ],
)
def test_it_gives_one_form_for_the_same_address(typed, canonical):
    assert canonical_email(typed) == canonical


@pytest.mark.parametrize(
    "typed",
    [
        "ſam@example.org",  # NFKC: s
        "ｓam@example.org",  # full width
        "straße@example.org",  # casefolds to strasse
        "ﬁona@example.org",  # the fi ligature
        "аlice@example.org",  # Cyrillic а among Latin letters
        "alice@exаmple.org",
        "İvan@example.org",  # lower-cases to i and a combining dot
    ],
)
def test_it_refuses_an_address_that_changes_or_mixes_scripts(typed):
    with pytest.raises(ValidationError) as raised:
        canonical_email(typed)
    assert raised.value.code == "look_alike"


# Sign-in and the lockout ------------------------------------------------------------------


@pytest.fixture
def sam(icb):
    return make_user(SAM, icb, Membership.Role.EDITOR)


def _try(client, email, password="not the password"):
    return client.post(reverse("login"), {"username": email, "password": password})


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_a_look_alike_never_signs_in_to_the_account(client, sam, look_alike):
    response = _try(client, look_alike, PASSWORD)
    assert response.status_code in {200, 429}
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_a_look_alike_does_not_get_round_the_lock(client, sam, look_alike):
    assert [_try(client, SAM).status_code for _ in range(5)] == [200] * 4 + [429]
    response = _try(client, look_alike, PASSWORD)
    assert "_auth_user_id" not in client.session
    assert response.status_code in {200, 429}
    assert _try(client, SAM.upper(), PASSWORD).status_code == 429


def test_the_address_is_found_whatever_its_case(client, sam):
    response = _try(client, "  Sam.Lead@SOUTHRIDGE-ICB.example", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(sam.pk)


def test_a_look_alike_is_explained_beside_the_field(client, sam):
    response = _try(client, "ſam.lead@southridge-icb.example", PASSWORD)
    assert "look-alike" in response.text
    assert 'value="ſam.lead@southridge-icb.example"' in response.text  # kept as typed


# Password reset, new accounts -------------------------------------------------------------


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_password_reset_for_a_look_alike_sends_nothing(client, sam, look_alike):
    client.post(reverse("password_reset"), {"email": look_alike})
    assert mail.outbox == []


def test_password_reset_finds_the_address_whatever_its_case(client, sam):
    client.post(reverse("password_reset"), {"email": "SAM.LEAD@Southridge-ICB.example"})
    [email] = mail.outbox
    assert email.to == [SAM]


def test_a_new_account_stores_the_canonical_address(db):
    user = User.objects.create_user(email=" Nia.Okafor@Newcomer.EXAMPLE", password=PASSWORD)
    assert user.email == "nia.okafor@newcomer.example"


@pytest.mark.parametrize("look_alike", LOOK_ALIKES[:2])
def test_no_account_is_made_for_a_look_alike(db, look_alike):
    with pytest.raises(ValidationError):
        User.objects.create_user(email=look_alike, password=PASSWORD)
    assert not User.objects.exists()


def test_the_admin_creates_accounts_with_the_canonical_address(client, ada):
    client.force_login(ada)
    url = reverse("admin:organisations_user_add")
    form = {
        "password1": PASSWORD,
        "password2": PASSWORD,
        "usable_password": "true",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    refused = client.post(url, {**form, "email": "ſam.lead@southridge-icb.example"})
    assert refused.status_code == 200 and "look-alike" in refused.text
    assert not User.objects.filter(first_name="").exclude(pk=ada.pk).exists()
    client.post(url, {**form, "email": "Sam.Lead@SouthRidge-ICB.example"})
    assert User.objects.filter(email=SAM).exists()


# The data migration that brought stored addresses into the canonical form -----------------

normalise = importlib.import_module(
    "organisations.migrations.0004_canonical_emails"
).normalise_emails


def _store(**emails) -> dict[str, User]:
    """Users as they were stored before: written straight, without the manager's rule."""
    users = {}
    for name, email in emails.items():
        users[name] = User.objects.create(email=email, first_name=name)
    return users


def test_the_migration_stores_every_address_in_the_canonical_form(db, charity, amy):
    users = _store(upper="Upper@Example.ORG", nfd="jose\u0301@example.org", plain="p@e.org")
    pending = Invitation.objects.create(
        organisation=charity,
        email="Nia@Newcomer.EXAMPLE",
        role=Membership.Role.VIEWER,
        token_hash="a" * 64,
        invited_by=amy,
        expires_at=timezone.now() + timezone.timedelta(days=7),
    )
    normalise(apps, None)
    emails = dict(User.objects.filter(first_name__in=users).values_list("first_name", "email"))
    assert emails == {"upper": "upper@example.org", "nfd": "josé@example.org", "plain": "p@e.org"}
    pending.refresh_from_db()
    assert pending.email == "nia@newcomer.example" and pending.revoked_at is None


def test_the_migration_refuses_look_alikes_and_collisions_and_changes_nothing(db):
    _store(
        upper="Upper@Example.ORG",
        nfc="josé@example.org",
        nfd="jose\u0301@example.org",
        long_s="ſam@example.org",
    )
    before = sorted(User.objects.values_list("pk", "email"))
    with pytest.raises(RuntimeError) as raised:
        normalise(apps, None)
    report = str(raised.value)
    assert "josé@example.org" in report and "ſam@example.org" in report
    assert "Nothing was changed" in report
    assert sorted(User.objects.values_list("pk", "email")) == before


def test_the_migration_revokes_a_pending_invitation_it_cannot_keep(db, charity, amy):
    def invite(email, token):
        return Invitation.objects.create(
            organisation=charity,
            email=email,
            role=Membership.Role.VIEWER,
            token_hash=token * 64,
            invited_by=amy,
            expires_at=timezone.now() + timezone.timedelta(days=7),
        )

    look_alike = invite("ıvan.gone@riverside.example".replace("ı", "ſ"), "b")
    older, newer = invite("jose\u0301@example.org", "c"), invite("josé@example.org", "d")
    normalise(apps, None)
    for invitation in (look_alike, older, newer):
        invitation.refresh_from_db()
    assert look_alike.revoked_at is not None
    assert older.revoked_at is not None and newer.revoked_at is None
    assert newer.email == "josé@example.org"
