"""Every URL pattern has an access case: a new URL without one fails here.

Each case names who gets which status. Anonymous people are sent to sign in; outsiders
(Dan) get 404; partners without the role (Bob, a viewer; Alice, a charity editor) get 403.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from partnerships.models import Participant

ANON = "anonymous"


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's admin has its own staff-only gate.
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def _url(name, world):
    partnership, charity = world["partnership"], world["charity"]
    kwargs = {
        "partnerships:detail": {"code": partnership.code},
        "partnerships:edit": {"code": partnership.code},
        "partnerships:participants": {"code": partnership.code},
        "partnerships:participant_remove": {
            "code": partnership.code,
            "participant_code": Participant.objects.get(
                partnership=partnership, organisation=charity
            ).code,
        },
        "organisations:detail": {"code": charity.code},
        "password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
    }.get(name, {})
    return reverse(name, kwargs=kwargs)


# name: (method, {person: expected status}); 302 from anonymous means "sent to sign in".
CASES = {
    "dashboard": ("get", {ANON: 302, "dan": 200, "bob": 200, "carol": 200}),
    "healthz": ("get", {ANON: 200}),
    "login": ("get", {ANON: 200}),
    "logout": ("post", {ANON: 302, "bob": 302}),
    "password_reset": ("get", {ANON: 200}),
    "password_reset_done": ("get", {ANON: 200}),
    "password_reset_confirm": ("get", {ANON: 200}),
    "password_reset_complete": ("get", {ANON: 200}),
    "organisations:detail": ("get", {ANON: 302, "dan": 404, "bob": 200, "carol": 200}),
    "partnerships:create": ("get", {ANON: 302, "alice": 403, "bob": 403, "carol": 200}),
    "partnerships:detail": ("get", {ANON: 302, "dan": 404, "bob": 200, "carol": 200}),
    "partnerships:edit": ("get", {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "carol": 200}),
    "partnerships:participants": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "carol": 200},
    ),
    "partnerships:participant_remove": (
        "post",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403},
    ),
}


def test_every_url_has_an_access_case():
    missing = sorted(set(_named_patterns()) - set(CASES))
    assert not missing, f"URLs without an access case in CASES: {missing}"


@pytest.fixture
def world(partnership, charity, alice, bob, carol, dan):
    return {
        "partnership": partnership,
        "charity": charity,
        "alice": alice,
        "bob": bob,
        "carol": carol,
        "dan": dan,
    }


@pytest.mark.parametrize(
    ("name", "person", "method", "expected"),
    [
        (name, person, method, expected)
        for name, (method, statuses) in CASES.items()
        for person, expected in statuses.items()
    ],
)
def test_access(client, world, name, person, method, expected):
    url = _url(name, world)
    if person != ANON:
        client.force_login(world[person])
    response = getattr(client, method)(url)
    assert response.status_code == expected, f"{person} {method.upper()} {url}"
    if person == ANON and expected == 302 and name != "logout":
        assert response.url.startswith(reverse("login"))
