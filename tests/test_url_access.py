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
    review = {"code": partnership.code, "review_code": world["open_review"].code}
    closed = {"code": partnership.code, "review_code": world["closed_review"].code}
    assessment = {**review, "assessment_code": world["charity_assessment"].code}
    action = {"code": partnership.code, "action_code": world["action"].code}
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
        "partnerships:review_open": {"code": partnership.code},
        "partnerships:review_detail": review,
        "partnerships:health_check": review,
        "partnerships:review_close": review,
        "partnerships:review_results": closed,
        "partnerships:assessment": assessment,
        "partnerships:assessment_principle": {**assessment, "number": 1},
        "partnerships:assessment_check": assessment,
        "partnerships:assessment_submit": assessment,
        "partnerships:action_list": {"code": partnership.code},
        "partnerships:action_create": {"code": partnership.code},
        "partnerships:action_edit": action,
        "partnerships:action_done": action,
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
    # Reviews: the lead commissioner runs them; partners follow progress and read results.
    "partnerships:review_open": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "carol": 200},
    ),
    "partnerships:review_detail": ("get", {ANON: 302, "dan": 404, "bob": 200, "carol": 200}),
    "partnerships:health_check": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "carol": 200},
    ),
    "partnerships:review_close": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "carol": 200},
    ),
    "partnerships:review_results": ("get", {ANON: 302, "dan": 404, "bob": 200, "carol": 200}),
    # An assessment is its organisation's own: other partners (Carol) get 404 too.
    "partnerships:assessment": (
        "get",
        {ANON: 302, "dan": 404, "carol": 404, "bob": 200, "alice": 200},
    ),
    "partnerships:assessment_principle": (
        "get",
        {ANON: 302, "dan": 404, "carol": 404, "bob": 200, "alice": 200},
    ),
    "partnerships:assessment_check": (
        "get",
        {ANON: 302, "dan": 404, "carol": 404, "bob": 200, "alice": 200},
    ),
    "partnerships:assessment_submit": ("post", {ANON: 302, "dan": 404, "carol": 404, "bob": 403}),
    # Actions: any partner's editors add them; the owner's editors or commissioners change them.
    "partnerships:action_list": ("get", {ANON: 302, "dan": 404, "bob": 200, "carol": 200}),
    "partnerships:action_create": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 200, "carol": 200},
    ),
    "partnerships:action_edit": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 200, "carol": 200},
    ),
    "partnerships:action_done": ("post", {ANON: 302, "dan": 404, "bob": 403}),
}


def test_every_url_has_an_access_case():
    missing = sorted(set(_named_patterns()) - set(CASES))
    assert not missing, f"URLs without an access case in CASES: {missing}"


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
