"""Sessions end after 30 minutes without activity and 12 hours after sign-in; the session key
changes at sign-in; signing out deletes the session on the server."""

import datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from config.middleware import duration_in_words
from tests.conftest import sign_in

IDLE_MESSAGE = "You were signed out after 30 minutes without activity."
MAX_MESSAGE = "You were signed out after 12 hours."


def _session_key(client):
    return client.cookies["sessionid"].value


def test_the_session_key_changes_at_sign_in(client, alice):
    before = client.session.session_key  # an anonymous session, as a visitor would have
    assert Session.objects.filter(session_key=before).exists()

    response = sign_in(client, alice)

    assert response.status_code == 302
    after = _session_key(client)
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_signing_out_deletes_the_session_on_the_server(client, alice):
    sign_in(client, alice)
    key = _session_key(client)
    assert Session.objects.filter(session_key=key).exists()

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("dashboard")).url.startswith(reverse("login"))


def test_signing_out_needs_a_post(client, alice):
    client.force_login(alice)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("dashboard")).status_code == 200


def test_30_minutes_without_activity_signs_a_person_out(client, alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(alice)
        key = _session_key(client)

    with time_machine.travel(start + datetime.timedelta(minutes=30), tick=False):
        response = client.get(reverse("dashboard"))
        assert response.status_code == 302
        assert response.url == f"{reverse('login')}?next=/"
        page = client.get(response.url)

    assert IDLE_MESSAGE in page.text
    assert not Session.objects.filter(session_key=key).exists()
    assert "_auth_user_id" not in client.session


def test_activity_keeps_the_session_going(client, alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(alice)
    for minutes in (20, 40, 60, 80):
        with time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("dashboard")).status_code == 200


def test_12_hours_after_sign_in_the_session_ends_however_active(client, alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(alice)
    for minutes in range(25, 12 * 60, 25):
        with time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("dashboard")).status_code == 200, minutes

    with time_machine.travel(start + datetime.timedelta(hours=12), tick=False):
        response = client.get(reverse("dashboard"), follow=True)

    assert response.redirect_chain[0][0] == f"{reverse('login')}?next=/"
    assert MAX_MESSAGE in response.text


@override_settings(SESSION_IDLE_SECONDS=60, SESSION_MAX_SECONDS=3600)
def test_the_limits_are_settings(client, alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(alice)
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        response = client.get(reverse("dashboard"), follow=True)
    assert "You were signed out after 1 minute without activity." in response.text


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1800, "30 minutes"),
        (43200, "12 hours"),
        (3600, "1 hour"),
        (60, "1 minute"),
        (90, "2 minutes"),
    ],
)
def test_durations_read_as_words(seconds, words):
    assert duration_in_words(seconds) == words
