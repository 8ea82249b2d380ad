import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organisations.models import Organisation
from partnerships.models import Assessment, Participant
from tests.conftest import make_user, submit


def _url(review):
    return reverse(
        "partnerships:review_detail",
        kwargs={"code": review.partnership.code, "review_code": review.code},
    )


def test_it_shows_who_has_submitted_but_not_what(client, bob, carol, open_review, icb):
    assessment = open_review.assessments.get(organisation=icb)
    submit(assessment, by=carol, scores={1: [1, 1, 1, 1]})
    client.force_login(bob)
    response = client.get(_url(open_review))
    assert response.status_code == 200
    assert "1 of 2 partners have submitted" in response.text
    assert "Needs work" not in response.text  # the ICB's comments stay private
    assert (
        reverse(
            "partnerships:review_results",
            kwargs={"code": open_review.partnership.code, "review_code": open_review.code},
        )
        not in response.text
    )


def test_it_links_a_partner_to_its_own_assessment_only(client, alice, open_review, charity, icb):
    client.force_login(alice)
    response = client.get(_url(open_review))
    mine = open_review.assessments.get(organisation=charity)
    theirs = open_review.assessments.get(organisation=icb)
    assert str(mine.code) in response.text
    assert str(theirs.code) not in response.text


def test_it_offers_the_lead_commissioner_the_health_check(client, carol, bob, open_review):
    client.force_login(carol)
    assert "Record the health check" in client.get(_url(open_review)).text
    client.force_login(bob)
    assert "Record the health check" not in client.get(_url(open_review)).text


def test_it_hides_from_outsiders(client, dan, open_review):
    client.force_login(dan)
    assert client.get(_url(open_review)).status_code == 404


@pytest.mark.parametrize("rows", [1, 10, 100])
def test_it_runs_a_fixed_number_of_queries(client, carol, open_review, rows):
    """`rows` more partners asked to assess, each submitted by a person."""
    for number in range(rows):
        organisation = Organisation.objects.create(name=f"Partner {number}", kind="charity")
        Participant.objects.create(
            partnership=open_review.partnership, organisation=organisation, role="vcse_partner"
        )
        Assessment.objects.create(
            review=open_review,
            organisation=organisation,
            state=Assessment.State.SUBMITTED,
            submitted_by=make_user(f"editor{number}@partner.example", organisation),
            submitted_at=timezone.now(),
        )
    client.force_login(carol)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(open_review))
    assert response.status_code == 200
    assert f"{rows} of {rows + 2} partners have submitted" in response.text
    # User, partnership, review, assessments, the person's own, the lead check, the concerns
    # it was opened about, navigation (the session was kept at sign-in: organisations/frame.py).
    assert len(queries) == 8, [q["sql"] for q in queries]
