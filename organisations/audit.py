"""The audit trail: who did what, to what, from where, and when (UTC).

Services call `audit(...)` inside their transaction, so an event is recorded exactly when
the change it describes is. The request's IP address comes from `AuditContextMiddleware`.
"""

import contextvars

from django.db import models

from .models import AuditEvent, Organisation, User

# Never written to the trail, whatever a caller passes.
SECRET_FIELDS = frozenset({"password", "token", "token_hash", "secret", "key", "otp"})

_ip_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("ip", default=None)


def changes_between(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose values differ, secrets left out."""
    return {
        name: [_plain(before.get(name)), _plain(value)]
        for name, value in after.items()
        if before.get(name) != value and name not in SECRET_FIELDS
    }


def _plain(value):
    if isinstance(value, models.Model):
        return str(value.pk)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def audit(
    by,
    action: str,
    target: models.Model | None = None,
    *,
    organisation: Organisation | None = None,
    changes: dict | None = None,
) -> AuditEvent:
    """Records one event. `by` may be None for the system or an anonymous visitor."""
    actor = by if by is not None and by.is_authenticated else None
    clean = {k: v for k, v in (changes or {}).items() if k not in SECRET_FIELDS}
    return AuditEvent.objects.create(
        actor=actor,
        actor_email=actor.email if actor else "",
        organisation=organisation,
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(getattr(target, "code", None) or getattr(target, "pk", "") or ""),
        object_repr=str(target)[:200] if target is not None else "",
        changes=clean,
        ip_address=_ip_address.get(),
    )


def change_and_audit(
    obj: models.Model,
    values: dict,
    *,
    by,
    action: str,
    target: models.Model | None = None,
    organisation: Organisation | None = None,
) -> dict:
    """Sets the fields of `values` that differ, saves just those and records one event with
    their old and new values (about `target`, else `obj`); returns those changes. Where
    nothing differs, nothing is saved or recorded."""
    before = {name: getattr(obj, name) for name in values}
    changed = [name for name, value in values.items() if before[name] != value]
    if not changed:
        return {}
    for name in changed:
        setattr(obj, name, values[name])
    # An "updated at" (auto_now) is saved with any change, or it would keep its old time.
    stamps = [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]
    obj.save(update_fields=[*changed, *stamps])
    changes = changes_between(
        {name: before[name] for name in changed}, {name: values[name] for name in changed}
    )
    audit(by, action, obj if target is None else target, organisation=organisation, changes=changes)
    return changes


def client_ip(request) -> str | None:
    # REMOTE_ADDR is the peer; behind a proxy, configure it to pass the client's address on.
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Makes the request's IP address available to `audit` for the length of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _ip_address.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _ip_address.reset(token)


def only_organisation(user) -> Organisation | None:
    """The person's organisation when they belong to exactly one, else None (not clear)."""
    if user is None or not user.is_authenticated:
        return None
    organisations = list(Organisation.objects.filter(memberships__user=user)[:2])
    return organisations[0] if len(organisations) == 1 else None


# Receivers of Django's authentication signals, connected in OrganisationsConfig.ready().


def on_signed_in(sender, request, user, **kwargs):
    audit(user, "user.signed_in", user, organisation=only_organisation(user))


def on_sign_in_failed(sender, credentials, request=None, **kwargs):
    # Only the email: Django has masked the password, and even masked it stays out.
    email = str(credentials.get("username") or credentials.get("email") or "")[:254]
    account = User.objects.filter(email=email).first() if email else None
    audit(None, "user.sign_in_failed", account, changes={"email": email})


def on_signed_out(sender, request, user, **kwargs):
    if user is not None:
        audit(user, "user.signed_out", user, organisation=only_organisation(user))
