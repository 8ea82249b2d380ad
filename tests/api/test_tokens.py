"""Personal API tokens: made and revoked on the profile page, shown once, kept hashed, and
acting with their owner's rights as they are at each request."""

import datetime
import hashlib

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from organisations.models import AuditEvent, Membership
from tests.api.conftest import TokenClient


@pytest.fixture(autouse=True)
def _fresh_counts():
    caches["api"].clear()


def test_the_profile_page_lists_tokens_and_offers_a_new_one(client, bob, token_of):
    token_of(bob, name="Board pack in Power BI")
    client.force_login(bob)
    page = client.get(reverse("profile")).content.decode()
    assert "API tokens" in page
    assert "Board pack in Power BI" in page
    assert "Never" in page  # not used yet
    assert reverse("api:token_create") in page


def test_it_makes_a_token_shows_it_once_and_keeps_only_its_hash(client, bob):
    client.force_login(bob)
    response = client.post(reverse("api:token_create"), {"name": "R scripts", "days": "30"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=bob)
    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(list(ApiToken.objects.values_list()))
    assert token.expires_at.date() == (timezone.now() + datetime.timedelta(days=30)).date()
    event = AuditEvent.objects.get(action="api_token.created")
    assert event.actor == bob and secret not in repr(event.changes)
    # The profile never shows it again.
    assert secret not in client.get(reverse("profile")).content.decode()


def test_it_keeps_the_name_when_the_expiry_is_missing(client, bob):
    client.force_login(bob)
    response = client.post(reverse("api:token_create"), {"name": "R scripts", "days": "7"})
    assert response.status_code == 200
    assert "Choose how long the token lasts" in response.content.decode()
    assert 'value="R scripts"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_token_reads_and_records_its_last_use(bob, token_of):
    secret = token_of(bob)
    assert TokenClient(secret).get("/api/v1/partnerships").status_code == 200
    assert ApiToken.objects.get(user=bob).last_used_at is not None


def test_a_revoked_token_stops_working_and_the_revocation_is_audited(client, bob, token_of):
    secret = token_of(bob)
    token = ApiToken.objects.get(user=bob)
    client.force_login(bob)
    response = client.post(reverse("api:token_revoke", kwargs={"code": token.code}))
    assert response.status_code == 302
    response = TokenClient(secret).get("/api/v1/partnerships")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    assert AuditEvent.objects.filter(action="api_token.revoked", actor=bob).exists()


def test_it_hides_another_persons_token_from_revocation(client, bob, dan, token_of):
    token_of(bob)
    token = ApiToken.objects.get(user=bob)
    client.force_login(dan)
    assert client.post(reverse("api:token_revoke", kwargs={"code": token.code})).status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_it_rejects_get_on_revoke(client, bob, token_of):
    token_of(bob)
    client.force_login(bob)
    code = ApiToken.objects.get(user=bob).code
    assert client.get(reverse("api:token_revoke", kwargs={"code": code})).status_code == 405


def test_an_expired_token_is_refused(bob, token_of):
    secret = token_of(bob)
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert TokenClient(secret).get("/api/v1/partnerships").status_code == 401


def test_a_closed_accounts_token_is_refused(bob, token_of):
    secret = token_of(bob)
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    assert TokenClient(secret).get("/api/v1/partnerships").status_code == 401


def test_a_removed_members_token_stops_at_once(world, token_of):
    """Bob is removed from Riverside Mind: the very next request sees nothing of it."""
    secret = token_of(world["bob"])
    code = world["partnership"].code
    assert TokenClient(secret).get(f"/api/v1/partnerships/{code}").status_code == 200
    Membership.objects.filter(user=world["bob"]).delete()
    response = TokenClient(secret).get(f"/api/v1/partnerships/{code}")
    assert response.status_code == 403
    assert "no longer a member" in response.json()["detail"]


def test_a_token_follows_its_owners_partnerships(world, token_of):
    """Riverside Mind leaves the partnership: Bob's token no longer finds it (404)."""
    from partnerships.models import Participant

    secret = token_of(world["bob"])
    code = world["partnership"].code
    Participant.objects.filter(organisation=world["charity"]).update(
        left_on=datetime.date(2026, 1, 1)
    )
    assert TokenClient(secret).get(f"/api/v1/partnerships/{code}").status_code == 404


def test_the_header_must_be_a_bearer_token(bob):
    response = TokenClient("").get("/api/v1/partnerships")
    assert response.status_code == 401
    response = TokenClient("ph_not-a-real-token").get("/api/v1/partnerships")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_each_token_is_rate_limited_with_a_clear_429(settings, bob, token_of):
    settings.API_RATE = "3/min"
    first, second = TokenClient(token_of(bob)), TokenClient(token_of(bob))
    for _ in range(3):
        assert first.get("/api/v1/partnerships").status_code == 200
    refused = first.get("/api/v1/partnerships")
    assert refused.status_code == 429
    assert "the limit is 3/min" in refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0
    # The limit is the token's: another of Bob's tokens still has its own.
    assert second.get("/api/v1/partnerships").status_code == 200
