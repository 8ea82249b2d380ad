import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.models import Membership
from organisations.views.organisations import PEOPLE_PAGE_SIZE
from partnerships.models import Participant, Partnership
from tests.conftest import make_user


def _url(organisation):
    return reverse("organisations:detail", kwargs={"code": organisation.code})


def test_it_works_for_members_with_their_people(client, bob, alice, charity, partnership):
    client.force_login(bob)
    response = client.get(_url(charity))
    assert response.status_code == 200
    assert "1123456" in response.text
    assert "Riverside Partnership" in response.text
    assert alice.email in response.text  # members see the people


def test_it_gives_the_org_id_of_every_identifier_the_organisation_holds(client, bob, charity):
    # Registered in Scotland too, and a company.
    charity.other_identifiers.create(scheme="OSCR", value="SC045458")
    charity.company_number = "IP28116R"
    charity.save()
    client.force_login(bob)

    response = client.get(_url(charity))

    assert "<li>GB-CHC-1123456</li><li>GB-COH-IP28116R</li><li>GB-SC-SC045458</li>" in response.text


def test_partners_see_the_profile_but_not_the_people(client, carol, alice, charity, partnership):
    client.force_login(carol)
    response = client.get(_url(charity))
    assert response.status_code == 200
    assert "Riverside Mind" in response.text
    assert alice.email not in response.text


def test_it_hides_from_outsiders(client, dan, charity, partnership):
    client.force_login(dan)
    assert client.get(_url(charity)).status_code == 404


def test_it_sends_anonymous_people_to_sign_in(client, charity):
    response = client.get(_url(charity))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_platform_admins_see_every_organisation(client, ada, outside_charity):
    client.force_login(ada)
    assert client.get(_url(outside_charity)).status_code == 200


@pytest.mark.parametrize("rows", [1, 10, 100])
def test_it_runs_a_fixed_number_of_queries(client, bob, charity, framework, rows):
    """`rows` people in the organisation and `rows` partnerships it is in."""
    for number in range(rows):
        make_user(f"member{number}@riverside.example", charity, Membership.Role.VIEWER)
        partnership = Partnership.objects.create(
            name=f"Partnership {number:03}", kind="grant", framework=framework
        )
        Participant.objects.create(partnership=partnership, organisation=charity, role="provider")
    client.force_login(bob)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(charity))
    assert response.status_code == 200
    assert response.text.count(">Partnership 0") == min(rows, PEOPLE_PAGE_SIZE)
    assert response.text.count("@riverside.example") == min(rows + 1, PEOPLE_PAGE_SIZE)  # and Bob
    if rows + 1 > PEOPLE_PAGE_SIZE:
        assert f"{rows + 1} people, 1 to {PEOPLE_PAGE_SIZE} shown." in response.text
        assert f"{rows} partnerships you can see, 1 to {PEOPLE_PAGE_SIZE} shown." in response.text
    # User, organisation, membership check, a count and a page of the people and of the
    # partnerships, the people manager check, navigation, the identifiers it holds beside
    # those on its row (the session was kept at sign-in;
    # organisations/frame.py).
    assert len(queries) == 10, [q["sql"] for q in queries]
    second = client.get(_url(charity), {"page": "2", "people_page": "2"})
    if rows > PEOPLE_PAGE_SIZE:
        assert second.text.count(">Partnership 0") == rows - PEOPLE_PAGE_SIZE
        assert second.text.count("@riverside.example") == min(
            rows + 1 - PEOPLE_PAGE_SIZE, PEOPLE_PAGE_SIZE
        )
        assert "?people_page=2&amp;page=1#partnerships" in second.text  # keeps the other
