import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerships.models import Participant, Partnership, Review


def test_it_works(client, alice, partnership):
    client.force_login(alice)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert "Riverside Partnership" in response.text
    assert "NHS North Valley ICB" in response.text  # its partners


def test_it_hides_from_outsiders(client, dan, partnership):
    client.force_login(dan)
    response = client.get(reverse("dashboard"))
    assert "Riverside Partnership" not in response.text
    assert "not in any partnerships yet" in response.text


def test_it_sends_anonymous_people_to_sign_in(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_shows_the_latest_review_state(client, alice, partnership, carol):
    Review.objects.create(
        partnership=partnership,
        framework=partnership.framework,
        opened_by=carol,
        opened_on="2026-01-05",
        due_on="2026-02-05",
        state=Review.State.CLOSED,
        closed_on="2026-02-10",
        overall_rag="amber",
    )
    Review.objects.create(
        partnership=partnership,
        framework=partnership.framework,
        opened_by=carol,
        opened_on="2026-11-01",
        due_on="2026-12-01",
    )
    client.force_login(alice)
    response = client.get(reverse("dashboard"))
    assert "due 1 December 2026" in response.text


def test_it_offers_registration_to_commissioners_with_no_partnerships(client, carol):
    client.force_login(carol)
    response = client.get(reverse("dashboard"))
    assert reverse("partnerships:create") in response.text


def _add_partnerships(count, framework, icb, charity):
    for number in range(count):
        partnership = Partnership.objects.create(
            name=f"Partnership {number:03}", kind=Partnership.Kind.GRANT, framework=framework
        )
        Participant.objects.create(partnership=partnership, organisation=icb, role="commissioner")
        Participant.objects.create(partnership=partnership, organisation=charity, role="provider")
        Review.objects.create(
            partnership=partnership,
            framework=framework,
            opened_on="2026-10-01",
            due_on="2026-11-01",
        )


@pytest.mark.parametrize("count", [1, 50])
def test_it_runs_a_fixed_number_of_queries(client, alice, framework, icb, charity, count):
    _add_partnerships(count, framework, icb, charity)
    client.force_login(alice)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert response.text.count("Partnership 0") == count
    # Session, user, navigation, count, page, partners, reviews.
    assert len(queries) == 7, [q["sql"] for q in queries]
