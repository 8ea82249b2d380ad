"""The signed-in frame: the person and the organisations they belong to, which every signed-in
page needs (the user for the gates, the memberships for the header), read from the database
once per change rather than once per request.

The frame is kept in Django's "frames" cache, which every web process shares (Redis in
production, CACHE_URL; one process's memory in the demo and the tests). It is never trusted
on its own: each person has a version, a random token, and a frame is used only when it was
stored under the version the cache holds now. Anything that changes what a frame holds gives
the person a new version (`invalidate`), so the next request reads the database again:

- a change to the person (staff flag, active, password, name, roles version) or their
  removal, and any membership created, changed or deleted: signal handlers below, which see
  every save and delete made through models, including the admin's and a queryset's delete;
- a change to an organisation they belong to (its name or side shows in the header);
- `User.objects.update(...)` does not send signals, so the one service that uses it
  (`organisations.services.user_roles_changed`) calls `invalidate` itself.

A new version is given when the change is made and again once its transaction commits: a
request that read the database between the two, and so saw the old rows, stored its frame
under the first new version, which the second leaves behind. A version that the cache drops
(expiry, eviction) is replaced by a new random one, so a frame can never outlive it.

Sessions stay in the database: a sign-out elsewhere deletes the session row, and the next
request finds no session, whatever the frame cache holds.
"""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

# A frame is read again at least this often even when nothing it holds changes: the bound on
# a change made without the ORM's signals and without `invalidate` (docs/design.md).
TIMEOUT_SECONDS = 15 * 60


@dataclass(frozen=True)
class Frame:
    user: object
    memberships: list  # organisations.models.Membership, with organisation, by its name


def _keys(user_id) -> tuple[str, str]:
    return f"frame-version:{user_id}", f"frame:{user_id}"


def _cache():
    return caches["frames"]


def _read(user_id) -> Frame | None:
    from .models import Membership, User

    user = User._default_manager.filter(pk=user_id).first()
    if user is None:
        return None
    memberships = list(
        Membership.objects.filter(user_id=user_id)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    return Frame(user=user, memberships=memberships)


def load(user_id) -> Frame | None:
    """The person's frame: from the cache when it holds one stored under the person's current
    version, else from the database (and then stored). None when there is no such person."""
    if not settings.FRAME_CACHE:
        return _read(user_id)
    cache = _cache()
    version_key, frame_key = _keys(user_id)
    held = cache.get_many([version_key, frame_key])
    version = held.get(version_key)
    if version is None:
        # First request, or the cache dropped the version: a new random one, which no frame
        # stored before can carry. `add` keeps another process's if it was first.
        cache.add(version_key, secrets.token_hex(8), TIMEOUT_SECONDS)
        version = cache.get(version_key)
    stored = held.get(frame_key)
    if stored is not None and stored[0] == version:
        return stored[1]
    frame = _read(user_id)
    if frame is not None and version is not None:
        cache.set(frame_key, (version, frame), TIMEOUT_SECONDS)
    return frame


def invalidate(*user_ids) -> None:
    """Gives each person a new version now and again after the current transaction commits,
    so no frame read before the change commits is used after it."""
    if not user_ids or not settings.FRAME_CACHE:
        return

    def renew():
        _cache().set_many(
            {_keys(user_id)[0]: secrets.token_hex(8) for user_id in user_ids}, TIMEOUT_SECONDS
        )

    renew()
    transaction.on_commit(renew)


def _members_of(organisation) -> list:
    return list(organisation.memberships.values_list("user_id", flat=True))


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
@receiver(post_delete, sender=settings.AUTH_USER_MODEL)
def _user_changed(sender, instance, **kwargs):
    invalidate(instance.pk)


@receiver(post_save, sender="organisations.Membership")
@receiver(post_delete, sender="organisations.Membership")
def _membership_changed(sender, instance, **kwargs):
    invalidate(instance.user_id)


@receiver(post_save, sender="organisations.Organisation")
def _organisation_changed(sender, instance, created, **kwargs):
    if not created:
        invalidate(*_members_of(instance))
