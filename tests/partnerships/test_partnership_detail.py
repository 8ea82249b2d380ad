import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.models import Organisation
from partnerships.models import Action, Assessment, Participant, Review
from partnerships.views.partnerships import PARTNERSHIP_ACTIONS_SHOWN
from tests.conftest import store_result, submit

# The same for 1, 10 or 100 partners, reviews and actions: nothing is loaded once per row.
# One more than before the open actions were counted apart from the ten shown, and one more
# for the open concerns the person may see; one fewer since the session is kept from sign-in
# (organisations/frame.py).
QUERIES = 10


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


@pytest.mark.parametrize("rows", [1, 10, 100])
def test_it_runs_a_fixed_number_of_queries(client, carol, partnership, rows):
    """`rows` more partners (one of them former), reviews and actions."""
    for number in range(rows):
        organisation = Organisation.objects.create(name=f"Partner {number}", kind="charity")
        Participant.objects.create(
            partnership=partnership,
            organisation=organisation,
            role="vcse_partner",
            lead_contact=carol,
            joined_on=datetime.date(2020, 1, 1),
            left_on=datetime.date(2024, 1, 1) if number == 0 else None,
        )
        Action.objects.create(
            partnership=partnership,
            description=f"Action {number}",
            owner_organisation=organisation,
            owner=carol,
            principle=partnership.framework.principles.get(number=1 + number % 7),
        )
        opened = datetime.date(2000 + number // 12, 1 + number % 12, 1)
        review = Review.objects.create(
            partnership=partnership,
            framework=partnership.framework,
            opened_on=opened,
            due_on=opened + datetime.timedelta(days=28),
            state=Review.State.CLOSED,
            closed_on=opened + datetime.timedelta(days=30),
            overall_rag="amber",  # the lead commissioner's, in the State column
        )
        submit(Assessment.objects.create(review=review, organisation=partnership.icb), default=4)
        store_result(review)
    client.force_login(carol)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(partnership))
    assert response.status_code == 200
    assert len(response.context["participants"]) == rows + 1  # and the two of the cast
    assert len(response.context["former_participants"]) == 1
    shown = min(rows, PARTNERSHIP_ACTIONS_SHOWN)
    assert response.text.count('app-wrap-anywhere">Action ') == shown
    if rows > shown:
        assert f"{rows} open actions: the {shown} due soonest are below." in response.text
    assert len(response.context["reviews"]) == rows
    # Each closed review with its index (75: every statement rated 4) and band.
    history = response.text[response.text.index("Health-check reviews of this partnership") :]
    assert history.count('numeric">75</td>') == rows
    assert history.count('govuk-tag--green">Green</strong>') == rows
    assert len(queries) == QUERIES, [q["sql"] for q in queries]
