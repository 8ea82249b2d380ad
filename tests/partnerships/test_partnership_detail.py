import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.models import Organisation
from partnerships.models import Action, Participant

# The same for 2 partners or 12: nothing is loaded once per row.
QUERIES = 11


def _url(partnership):
    return reverse("partnerships:detail", kwargs={"code": partnership.code})


def test_it_works(client, bob, partnership, closed_review, action):
    client.force_login(bob)
    response = client.get(_url(partnership))
    assert response.status_code == 200
    text = response.text
    assert "Riverside Mind" in text and "Lead commissioner" in text
    assert "Agree a lighter quarterly report" in text
    assert (
        reverse(
            "partnerships:review_results",
            kwargs={"code": partnership.code, "review_code": closed_review.code},
        )
        in text
    )


def test_it_hides_from_outsiders(client, dan, partnership):
    client.force_login(dan)
    assert client.get(_url(partnership)).status_code == 404


def test_it_offers_changes_only_to_commissioners(client, bob, carol, partnership):
    edit = reverse("partnerships:edit", kwargs={"code": partnership.code})
    client.force_login(bob)
    assert edit not in client.get(_url(partnership)).text
    client.force_login(carol)
    assert edit in client.get(_url(partnership)).text


def test_it_sends_anonymous_people_to_sign_in(client, partnership):
    response = client.get(_url(partnership))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("extra_partners", [0, 10])
def test_it_runs_a_fixed_number_of_queries(client, carol, partnership, extra_partners):
    for number in range(extra_partners):
        organisation = Organisation.objects.create(name=f"Partner {number}", kind="charity")
        Participant.objects.create(
            partnership=partnership, organisation=organisation, role="vcse_partner"
        )
        Action.objects.create(
            partnership=partnership, description=f"Action {number}", owner_organisation=organisation
        )
    client.force_login(carol)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(partnership))
    assert response.status_code == 200
    assert response.text.count("Partner ") >= extra_partners
    assert len(queries) == QUERIES, [q["sql"] for q in queries]
