"""Forged posts are refused and reading never writes, for every URL in the access table."""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import resolve
from rest_framework.views import APIView

from tests.conftest import database_snapshot
from tests.test_url_access import ANON, CASES, _url


def _read_by_token(url: str) -> bool:
    """The read API's routes: they take a personal token, never the session's cookie."""
    view = resolve(urlsplit(url).path).func
    return issubclass(getattr(view, "cls", object), APIView)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_post_without_a_csrf_token_is_refused(world, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["carol"])
    url = _url(name, world)  # some cases set up what their URL names first
    before = database_snapshot()
    response = client.post(url, {"anything": "x"})
    # A forged post carries the session's cookie: the pages refuse it for want of the CSRF
    # token (403), the read API because a cookie is not a token (401), or, for its public
    # document, because it takes no post at all (405).
    refused = (401, 405) if _read_by_token(url) else (403,)
    assert response.status_code in refused, name
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
