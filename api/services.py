"""Creating, revoking and reading personal API tokens; each change is in the audit trail."""

import datetime
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from organisations.audit import audit, only_organisation

from .models import ApiToken

PREFIX = "ph_"
# The expiries offered on the profile page, in days.
EXPIRY_DAYS = (30, 90, 365)


def token_hash(token: str) -> str:
    """A token is 32 random bytes: a fast hash is enough, as for the invitation links."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def token_create(*, user, name: str, days: int) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token, which is never stored."""
    if days not in EXPIRY_DAYS:
        raise ValueError(f"Tokens last {', '.join(map(str, EXPIRY_DAYS))} days.")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:10],
        token_hash=token_hash(secret),
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    audit(
        user,
        "api_token.created",
        token,
        organisation=only_organisation(user),
        changes={"name": name, "expires_at": token.expires_at.isoformat()},
    )
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, by) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(by, "api_token.revoked", token, organisation=only_organisation(by))
    return token


def token_use(secret: str) -> ApiToken | None:
    """The live token of an active person that `secret` is, its "last used" brought up to
    now; None for anything else. The owner is read afresh: what the token may see is what
    the person may see today."""
    token = (
        ApiToken.objects.live()
        .select_related("user")
        .filter(token_hash=token_hash(secret), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    token.last_used_at = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=token.last_used_at)
    return token
