from django.test import Client
from django.urls import reverse

from organisations.models import AuditEvent, Membership
from organisations.services import sessions_end_for
from tests.conftest import PASSWORD, make_user


def _url(membership):
    return reverse(
        "organisations:member_deactivate",
        kwargs={"code": membership.organisation.code, "membership_id": membership.pk},
    )


def _signed_in(user) -> Client:
    """A separate browser, signed in through the sign-in page."""
    browser = Client()
    response = browser.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert browser.get(reverse("dashboard")).status_code == 200
    return browser


def test_it_asks_first(client, amy, bob):
    membership = bob.memberships.get()
    client.force_login(amy)
    page = client.get(_url(membership))
    assert page.status_code == 200
    assert "Remove Bob from Riverside Mind?" in page.text
    assert "their account will be deactivated" in page.text
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_it_removes_the_person_and_ends_all_their_sessions(client, amy, bob, alice, charity):
    bobs_laptop, bobs_phone = _signed_in(bob), _signed_in(bob)
    alices_browser = _signed_in(alice)
    client.force_login(amy)

    response = client.post(_url(bob.memberships.get()))
    assert response.status_code == 302
    assert response.url == reverse("organisations:people", kwargs={"code": charity.code})
    assert not Membership.objects.filter(user=bob).exists()
    bob.refresh_from_db()
    assert not bob.is_active  # no organisation left

    for browser in (bobs_laptop, bobs_phone):
        next_page = browser.get(reverse("dashboard"))
        assert next_page.status_code == 302
        assert next_page.url.startswith(reverse("login"))
    assert not Client().login(username=bob.email, password=PASSWORD)
    assert alices_browser.get(reverse("dashboard")).status_code == 200
    assert client.get(reverse("dashboard")).status_code == 200

    event = AuditEvent.objects.get(action="membership.removed")
    assert (event.actor, event.organisation, event.object_id) == (amy, charity, str(bob.pk))
    assert event.changes == {
        "role": ["viewer", None],
        "is_active": [True, False],
        "sessions_ended": [None, 2],
    }


def test_someone_in_another_organisation_stays_active(client, amy, bob, outside_charity):
    Membership.objects.create(user=bob, organisation=outside_charity, role="viewer")
    bobs_browser = _signed_in(bob)
    client.force_login(amy)
    response = client.post(_url(bob.memberships.get(organisation__name="Riverside Mind")))
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.is_active
    assert list(bob.memberships.values_list("organisation", flat=True)) == [outside_charity.pk]
    # Signed out all the same, so nothing cached from the old membership lingers.
    assert bobs_browser.get(reverse("dashboard")).status_code == 302


def test_a_platform_admin_keeps_their_account(client, amy, ada, charity):
    membership = Membership.objects.create(user=ada, organisation=charity, role="viewer")
    client.force_login(amy)
    assert client.post(_url(membership)).status_code == 302
    ada.refresh_from_db()
    assert ada.is_active


def test_the_last_admin_cannot_be_removed(client, amy):
    membership = amy.memberships.get()
    client.force_login(amy)
    response = client.post(_url(membership))
    assert response.status_code == 200
    assert "Amy is the only admin of Riverside Mind. Make someone else an admin first." in (
        response.text
    )
    assert "<title>Error: " in response.text
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_an_admin_who_removes_themselves_is_signed_out(client, amy, charity):
    make_user("abe@riverside.example", charity, Membership.Role.ADMIN)
    client.force_login(amy)
    response = client.post(_url(amy.memberships.get()))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert client.get(reverse("dashboard")).status_code == 302


def test_it_hides_from_outsiders(client, dan, bob, amy):
    membership = bob.memberships.get()
    client.force_login(dan)
    assert client.post(_url(membership)).status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_it_requires_role(client, alice, bob):
    membership = bob.memberships.get()
    client.force_login(alice)
    assert client.post(_url(membership)).status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()
    bob.refresh_from_db()
    assert bob.is_active


def test_platform_admins_remove_people_anywhere(client, ada, dan):
    client.force_login(ada)
    assert client.post(_url(dan.memberships.get())).status_code == 302
    assert not Membership.objects.filter(user=dan).exists()


def test_sessions_end_for_touches_only_that_person(alice, bob):
    _signed_in(alice), _signed_in(bob), _signed_in(bob)
    assert sessions_end_for(user=bob) == 2
    assert sessions_end_for(user=bob) == 0
    assert sessions_end_for(user=alice) == 1
