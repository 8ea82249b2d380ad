"""The signed-in frame (organisations/frame.py) and the sessions kept beside it: a signed-in
page costs no query for them once kept, and each change to what they hold shows on the
person's very next request."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from organisations import frame
from organisations.models import Membership
from organisations.services import sessions_end_for
from tests.conftest import PASSWORD, SignedInClient, make_user

REGISTER = reverse("partnerships:create")


def _browser(user) -> SignedInClient:
    browser = SignedInClient()
    browser.force_login(user)
    assert browser.get(reverse("accessibility")).status_code == 200  # the frame is now kept
    return browser


def _signed_out(browser) -> bool:
    """Whether the browser's next request finds no one signed in (the accessibility statement
    is open to everyone; the dashboard sends people who are not signed in to sign in)."""
    response = browser.get(reverse("dashboard"))
    return response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.fixture
def ivy(icb):
    """Ivy is an admin of North Valley ICB: she manages its people."""
    return make_user("ivy@northvalley-icb.example", icb, Membership.Role.ADMIN)


def test_a_signed_in_page_costs_no_query_once_kept(carol, django_assert_num_queries):
    browser = _browser(carol)
    with django_assert_num_queries(0):
        page = browser.get(reverse("accessibility"))
    assert "North Valley ICB" in page.text and REGISTER in page.text  # the header, from the frame


def test_the_frame_is_read_each_time_without_a_shared_cache(carol, settings):
    settings.FRAME_CACHE = False
    browser = _browser(carol)
    # Unseen by the frame's signal handlers, but with no frame kept the next request reads it.
    Membership.objects.filter(user=carol).update(role=Membership.Role.VIEWER)
    assert REGISTER not in browser.get(reverse("accessibility")).text


def test_a_role_changed_on_the_people_page_shows_next_request(client, carol, ivy, icb):
    browser = _browser(carol)
    assert REGISTER in browser.get(reverse("accessibility")).text
    client.force_login(ivy)
    url = reverse(
        "organisations:member_role",
        kwargs={"code": icb.code, "membership_id": carol.memberships.get().pk},
    )
    assert client.post(url, {"role": "viewer"}).status_code == 302
    assert REGISTER not in browser.get(reverse("accessibility")).text


def test_a_person_removed_on_the_people_page_is_signed_out_next_request(client, carol, ivy, icb):
    browser = _browser(carol)
    client.force_login(ivy)
    url = reverse(
        "organisations:member_deactivate",
        kwargs={"code": icb.code, "membership_id": carol.memberships.get().pk},
    )
    assert client.post(url).status_code == 302
    assert not Membership.objects.filter(user=carol).exists()
    assert _signed_out(browser)


def test_a_membership_ended_elsewhere_leaves_the_header_next_request(carol, charity):
    Membership.objects.create(user=carol, organisation=charity, role=Membership.Role.VIEWER)
    browser = _browser(carol)
    assert reverse("organisations:switch") in browser.get(reverse("accessibility")).text
    carol.memberships.get(organisation=charity).delete()  # as the admin site deletes one
    assert reverse("organisations:switch") not in browser.get(reverse("accessibility")).text


def test_the_staff_flag_removed_shows_next_request(ada):
    browser = _browser(ada)
    assert reverse("admin:index") in browser.get(reverse("accessibility")).text
    ada.is_staff = False
    ada.save(update_fields=["is_staff"])  # as the admin site saves a person
    assert reverse("admin:index") not in browser.get(reverse("accessibility")).text
    assert browser.get(reverse("admin:index")).status_code == 302  # to the admin's sign-in


def test_a_deactivated_person_is_signed_out_next_request(alice):
    browser = _browser(alice)
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert _signed_out(browser)


def test_a_password_changed_elsewhere_signs_other_browsers_out(alice):
    browser = _browser(alice)
    alice.set_password("a new and much longer passphrase")
    alice.save()  # as the password reset and the profile page save it
    assert _signed_out(browser)


def test_sessions_ended_elsewhere_end_at_once(alice):
    first, second = _browser(alice), Client()
    second.post(reverse("login"), {"username": alice.email, "password": PASSWORD})
    assert not _signed_out(second)
    assert sessions_end_for(user=alice) == 2
    assert _signed_out(first)
    assert _signed_out(second)


def test_an_organisation_renamed_shows_in_its_members_headers_next_request(alice, charity):
    browser = _browser(alice)
    assert "Riverside Mind" in browser.get(reverse("accessibility")).text
    charity.name = "Riverside Mental Health"
    charity.save()
    assert "Riverside Mental Health" in browser.get(reverse("accessibility")).text


def test_a_frame_read_before_a_change_is_never_used_after_it(alice, charity):
    cache = caches["frames"]
    version_key, frame_key = frame._keys(alice.pk)
    frame.load(alice.pk)
    old_version = cache.get(version_key)
    stale = frame._read(alice.pk)  # read by a request before the change…
    charity.name = "Renamed"
    charity.save()  # …which gives Alice a new version…
    cache.set(frame_key, (old_version, stale))  # …and that request stores what it read
    assert frame.load(alice.pk).memberships[0].organisation.name == "Renamed"


def test_a_dropped_version_drops_every_frame_stored_under_it(alice, charity):
    cache = caches["frames"]
    version_key, _ = frame._keys(alice.pk)
    frame.load(alice.pk)
    cache.delete(version_key)  # expired or evicted
    type(charity).objects.filter(pk=charity.pk).update(name="Renamed")  # unseen by signals
    assert frame.load(alice.pk).memberships[0].organisation.name == "Renamed"


def test_sessions_are_kept_in_the_frames_cache():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    assert settings.SESSION_CACHE_ALIAS == "frames"
