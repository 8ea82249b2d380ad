import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from partnerships.models import HealthCheck, HealthCheckEntry, Review
from partnerships.services.reviews import add_months
from tests.conftest import submit


def _url(review):
    return reverse(
        "partnerships:review_close",
        kwargs={"code": review.partnership.code, "review_code": review.code},
    )


@pytest.fixture
def health_check(open_review, carol, framework):
    health_check = HealthCheck.objects.create(review=open_review, recorded_by=carol)
    for principle in framework.principles.all():
        rag = "red" if principle.number == 5 else "green"
        HealthCheckEntry.objects.create(health_check=health_check, principle=principle, rag=rag)
    return health_check


@pytest.fixture
def all_submitted(open_review, alice, carol, icb, charity):
    submit(open_review.assessments.get(organisation=icb), by=carol)
    submit(open_review.assessments.get(organisation=charity), by=alice)


def test_it_works(client, carol, open_review, health_check, all_submitted, partnership):
    client.force_login(carol)
    response = client.post(_url(open_review), {"overall_rag": "amber"})
    assert response.status_code == 302
    open_review.refresh_from_db()
    assert (open_review.state, open_review.overall_rag) == ("closed", "amber")
    assert open_review.closed_on == timezone.localdate()
    assert open_review.closed_by == carol
    partnership.refresh_from_db()
    assert partnership.next_review_due == add_months(timezone.localdate(), 12)


def test_it_asks_for_the_health_check_first(client, carol, open_review, all_submitted):
    client.force_login(carol)
    page = client.get(_url(open_review))
    assert "Record the health check before closing the review" in page.text
    client.post(_url(open_review), {"overall_rag": "amber"})
    open_review.refresh_from_db()
    assert open_review.is_open


def test_closing_with_missing_assessments_asks_for_confirmation(
    client, carol, open_review, health_check, icb
):
    submit(open_review.assessments.get(organisation=icb), by=carol)
    client.force_login(carol)
    page = client.get(_url(open_review))
    assert "Riverside Mind" in page.text  # who is missing
    refused = client.post(_url(open_review), {"overall_rag": "amber"})
    assert "Confirm that you want to close the review without assessments from Riverside Mind" in (
        refused.text
    )
    open_review.refresh_from_db()
    assert open_review.is_open
    client.post(_url(open_review), {"overall_rag": "amber", "confirm_missing": "on"})
    open_review.refresh_from_db()
    assert not open_review.is_open


def test_the_overall_rating_cannot_be_green_while_a_principle_is_red(
    client, carol, open_review, health_check, all_submitted
):
    client.force_login(carol)
    response = client.post(_url(open_review), {"overall_rag": "green"})
    assert "cannot be green while a principle is red (Proportionality)" in response.text
    open_review.refresh_from_db()
    assert open_review.is_open


def test_it_hides_from_outsiders(client, dan, open_review, health_check, all_submitted):
    client.force_login(dan)
    assert client.post(_url(open_review), {"overall_rag": "amber"}).status_code == 404
    open_review.refresh_from_db()
    assert open_review.is_open


def test_only_the_lead_commissioner_can_close(
    client, alice, bob, open_review, health_check, all_submitted
):
    for person in (alice, bob):
        client.force_login(person)
        response = client.post(_url(open_review), {"overall_rag": "amber"})
        assert response.status_code == 403
    open_review.refresh_from_db()
    assert open_review.is_open


def test_a_commissioner_who_is_not_the_lead_cannot_close(
    client, open_review, health_check, all_submitted, partnership
):
    from organisations.models import Organisation
    from partnerships.models import Participant
    from tests.conftest import make_user

    trust = Organisation.objects.create(name="Valley NHS Trust", kind="nhs_trust")
    Participant.objects.create(partnership=partnership, organisation=trust, role="commissioner")
    client.force_login(make_user("tess@valley-trust.example", trust))
    assert client.post(_url(open_review), {"overall_rag": "amber"}).status_code == 403


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2026, 11, 23), 12, datetime.date(2027, 11, 23)),
        (datetime.date(2026, 11, 30), 3, datetime.date(2027, 2, 28)),
        (datetime.date(2027, 8, 31), 6, datetime.date(2028, 2, 29)),
    ],
)
def test_add_months_keeps_the_day_or_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_a_review_cannot_be_closed_twice(client, carol, open_review, health_check, all_submitted):
    client.force_login(carol)
    client.post(_url(open_review), {"overall_rag": "amber"})
    first = Review.objects.get(pk=open_review.pk)
    response = client.post(_url(open_review), {"overall_rag": "red"})
    assert response.status_code == 302
    again = Review.objects.get(pk=open_review.pk)
    assert (again.overall_rag, again.closed_on) == (first.overall_rag, first.closed_on)
