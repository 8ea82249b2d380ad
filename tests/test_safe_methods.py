"""Forged posts are refused and reading never writes, for every URL in the access table."""

import hashlib

import pytest
from django.apps import apps
from django.test import Client

from tests.test_url_access import ANON, CASES, _url

# Logs, not data: sessions, sign-in throttling and the audit trail may grow on any request.
LOGS = {"sessions.session", "organisations.auditevent"}


def _snapshot() -> dict[str, str]:
    state = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in LOGS or label.startswith(("axes.", "otp_")):
            continue
        rows = model.objects.order_by("pk").values_list()
        state[label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return state


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_post_without_a_csrf_token_is_refused(world, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["carol"])
    before = _snapshot()
    response = client.post(_url(name, world), {"anything": "x"})
    assert response.status_code == 403, name
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("name", "person"),
    [
        (name, person)
        for name, (method, statuses) in sorted(CASES.items())
        if method == "get"
        for person in statuses
    ],
)
def test_reading_a_page_changes_nothing(client, world, name, person):
    if person != ANON:
        client.force_login(world[person])
    before = _snapshot()
    client.get(_url(name, world))
    assert _snapshot() == before, f"GET {name} as {person} changed the database"
