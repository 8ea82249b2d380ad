"""Five failed sign-ins for one email address within 15 minutes lock it for 15 minutes."""

import datetime
import re

import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD

GENERIC = "Enter a correct email address and password."
LOCKED = "Sign-in with this email address is locked for 15 minutes after repeated failed attempts."


def _try(client, email, password="not the password"):
    return client.post(reverse("login"), {"username": email, "password": password})


def _fail(client, email, times):
    return [_try(client, email) for _ in range(times)]


def test_six_wrong_passwords_lock_the_account_even_against_the_right_one(client, alice):
    first_four = _fail(client, alice.email, 4)
    for response in first_four:
        assert response.status_code == 200
        assert GENERIC in response.text
        assert LOCKED not in response.text

    fifth, sixth = _fail(client, alice.email, 2)
    right = _try(client, alice.email, PASSWORD)

    for response in (fifth, sixth, right):
        assert response.status_code == 429
        assert GENERIC in response.text
        assert LOCKED in response.text
        assert "Sign in to Partnership Health" in response.text
    assert "_auth_user_id" not in client.session


def test_the_lock_ignores_the_case_of_the_email_address(client, alice):
    for email in ["ALICE@riverside.example", "Alice@Riverside.example", alice.email] * 2:
        _try(client, email)
    response = _try(client, "alice@RIVERSIDE.example", PASSWORD)
    assert response.status_code == 429


def _normalised(response, email):
    # The page echoes the email typed and carries a fresh CSRF token; nothing else may differ.
    text = response.text.replace(email, "EMAIL")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def test_an_unknown_email_gets_the_same_pages_and_locks_too(client, alice):
    unknown = "nobody@riverside.example"
    known_pages = [*_fail(client, alice.email, 5), _try(client, alice.email, PASSWORD)]
    unknown_pages = [*_fail(client, unknown, 5), _try(client, unknown, PASSWORD)]

    assert [r.status_code for r in unknown_pages] == [r.status_code for r in known_pages]
    assert [r.status_code for r in unknown_pages] == [200] * 4 + [429] * 2
    for known, other in zip(known_pages, unknown_pages, strict=True):
        assert _normalised(other, unknown) == _normalised(known, alice.email)


def test_sign_in_works_again_after_15_minutes(client, alice):
    locked_at = timezone.now()
    _fail(client, alice.email, 5)

    with time_machine.travel(locked_at + datetime.timedelta(minutes=14), tick=False):
        assert _try(client, alice.email, PASSWORD).status_code == 429

    with time_machine.travel(locked_at + datetime.timedelta(minutes=15, seconds=1), tick=False):
        response = _try(client, alice.email, PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_tries_during_the_lock_do_not_make_it_longer(client, alice):
    locked_at = timezone.now()
    _fail(client, alice.email, 5)
    with time_machine.travel(locked_at + datetime.timedelta(minutes=10), tick=False):
        _fail(client, alice.email, 3)
    with time_machine.travel(locked_at + datetime.timedelta(minutes=15, seconds=1), tick=False):
        assert _try(client, alice.email, PASSWORD).status_code == 302


def test_a_successful_sign_in_starts_the_count_again(client, alice):
    _fail(client, alice.email, 4)
    assert _try(client, alice.email, PASSWORD).status_code == 302
    client.post(reverse("logout"))

    responses = _fail(client, alice.email, 4)
    assert [r.status_code for r in responses] == [200] * 4
    assert _try(client, alice.email, PASSWORD).status_code == 302


def test_failures_spread_over_more_than_15_minutes_do_not_lock(client, alice):
    start = timezone.now()
    for minutes in (0, 16, 32, 48, 64, 80):
        with time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False):
            assert _try(client, alice.email).status_code == 200
