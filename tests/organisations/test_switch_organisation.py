import pytest
from django.urls import reverse

from organisations.models import Membership, Organisation

URL = reverse("organisations:switch")


@pytest.fixture
def council(db):
    return Organisation.objects.create(name="Valley Council", kind="local_authority")


@pytest.fixture
def alice_in_two(alice, council):
    """Alice also admins the council's people."""
    Membership.objects.create(user=alice, organisation=council, role=Membership.Role.ADMIN)
    return alice


def _header(response) -> str:
    text = response.text
    start = text.index("Your organisation:")
    return text[start : text.index("</p>", start)]


def test_it_works(client, alice_in_two, charity, council):
    client.force_login(alice_in_two)
    header = _header(client.get(reverse("dashboard")))
    assert "Riverside Mind" in header  # the first, by name, until she chooses
    assert URL in header

    page = client.get(URL)
    assert page.status_code == 200
    assert "Valley Council" in page.text
    response = client.post(URL, {"organisation": str(council.code)})
    assert response.status_code == 302
    assert client.session["organisation"] == str(council.code)

    header = _header(client.get(reverse("dashboard")))
    assert "Valley Council" in header
    # She admins the council, so the header's people link points to its people.
    assert reverse("organisations:people", kwargs={"code": council.code}) in header


def test_one_organisation_has_nothing_to_switch(client, bob):
    client.force_login(bob)
    header = _header(client.get(reverse("dashboard")))
    assert "Riverside Mind" in header
    assert URL not in header
    assert "People" not in header  # a viewer does not manage people


@pytest.mark.parametrize("value", ["other", "not-a-uuid", "<script>", "x" * 5000])
def test_it_refuses_an_organisation_they_are_not_in(client, alice_in_two, outside_charity, value):
    client.force_login(alice_in_two)
    codes = {"other": str(outside_charity.code)}
    response = client.post(URL, {"organisation": codes.get(value, value)})
    assert response.status_code == 404
    assert "organisation" not in client.session


def test_it_asks_for_a_choice(client, alice_in_two):
    client.force_login(alice_in_two)
    response = client.post(URL, {})
    assert response.status_code == 200
    assert "Select the organisation you are working for" in response.text


def test_a_choice_they_have_left_falls_back_to_the_first(client, alice_in_two, council):
    client.force_login(alice_in_two)
    client.post(URL, {"organisation": str(council.code)})
    Membership.objects.filter(user=alice_in_two, organisation=council).delete()
    assert "Riverside Mind" in _header(client.get(reverse("dashboard")))


def test_it_sends_anonymous_people_to_sign_in(client):
    response = client.post(URL, {})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_header_still_offers_registering_to_commissioners_only(client, carol, alice):
    create = reverse("partnerships:create")
    client.force_login(carol)
    assert create in client.get(reverse("dashboard")).text
    client.force_login(alice)
    assert create not in client.get(reverse("dashboard")).text
