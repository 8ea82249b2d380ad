"""Forged posts are refused and reading never writes, for every URL in the access table."""

import pytest
from django.test import Client

from tests.conftest import database_snapshot
from tests.test_url_access import ANON, CASES, _url


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_post_without_a_csrf_token_is_refused(world, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["carol"])
    url = _url(name, world)  # some cases set up what their URL names first
    before = database_snapshot()
    response = client.post(url, {"anything": "x"})
    assert response.status_code == 403, name
    assert database_snapshot() == before


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
    url = _url(name, world)
    before = database_snapshot()
    client.get(url)
    assert database_snapshot() == before, f"GET {name} as {person} changed the database"
