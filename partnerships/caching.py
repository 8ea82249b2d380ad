"""Rendered fragments kept between requests, until what they show may have changed.

A fragment is stored under the current *generation*: a number that triggers in PostgreSQL
move on whenever a partnership, partner, review, assessment, action, organisation or
membership changes (migration 0004). Reading it is one tiny query; a change anywhere makes
every stored fragment unreachable at once, so nothing needs deleting and each web process
can keep its own copies in memory (settings.CACHES). The day is part of the key too, for
what turns overdue at midnight.

A reader that renders in the moment between another transaction's change and its commit
stores the old picture under the new number; it lasts until the next change or
FRAGMENT_SECONDS, whichever comes first.
"""

from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.safestring import mark_safe

FRAGMENT_SECONDS = 300


def generation() -> str | None:
    """None where there is no generation to read (SQLite, the demo): render every time."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value, is_called FROM partnerships_dashboard_generation")
        value, called = cursor.fetchone()
    return f"{value}{'' if called else '-'}"


def fragment(request, name: str, *parts, render: Callable[[], str]) -> str:
    """The fragment `name` for `parts` (who, which page), rendered only when not stored.

    The generation read is left on the request, so the header's navigation can be kept
    with it (organisations.context_processors).
    """
    current = request.generation = generation()
    if current is None:
        return render()
    key = ":".join(["fragment", name, current, timezone.localdate().isoformat(), *map(str, parts)])
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, FRAGMENT_SECONDS)
    return mark_safe(html)  # nosec B308 B703 - the app's own rendered template


def kept(request, name: str, *parts, make: Callable):
    """`make()`'s value, kept like a fragment when the request has read the generation
    already; made afresh otherwise, so pages that do not keep fragments pay nothing more."""
    current = getattr(request, "generation", None)
    if current is None:
        return make()
    key = ":".join(["kept", name, current, *map(str, parts)])
    value = cache.get(key)
    if value is None:
        value = make()
        cache.set(key, value, FRAGMENT_SECONDS)
    return value
