import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from partnerships.models import Participant, Partnership, Review
from partnerships.services.reviews import review_open

ALREADY_OPEN = "This partnership already has an open review. Close it before opening another."


def _url(partnership):
    return reverse("partnerships:review_open", kwargs={"code": partnership.code})


def _due(days=28):
    due = timezone.localdate() + datetime.timedelta(days=days)
    return {"due_on_0": due.day, "due_on_1": due.month, "due_on_2": due.year}


def test_it_works(client, carol, partnership, icb, charity):
    client.force_login(carol)
    page = client.get(_url(partnership))
    assert "Riverside Mind (VCSE partner)" in page.text  # who will be asked, and as what
    assert "NHS North Valley ICB (lead commissioner)" in page.text
    response = client.post(_url(partnership), _due())
    review = Review.objects.get(partnership=partnership)
    assert response.status_code == 302
    assert review.is_open and review.opened_by == carol
    assert review.framework == partnership.framework
    assert review.due_on == timezone.localdate() + datetime.timedelta(days=28)
    assert set(review.assessments.values_list("organisation", flat=True)) == {icb.pk, charity.pk}
    assert set(review.assessments.values_list("state", flat=True)) == {"not_started"}


def test_it_suggests_four_weeks(client, carol, partnership):
    client.force_login(carol)
    due = timezone.localdate() + datetime.timedelta(weeks=4)
    assert f'value="{due.year}"' in client.get(_url(partnership)).text


def test_it_asks_only_current_partners(client, carol, partnership, icb, charity):
    Participant.objects.filter(organisation=charity).update(left_on=timezone.localdate())
    client.force_login(carol)
    response = client.post(_url(partnership), _due())
    assert response.status_code == 302
    review = Review.objects.get(partnership=partnership, state=Review.State.OPEN)
    assert list(review.assessments.values_list("organisation", flat=True)) == [icb.pk]


def test_it_explains_why_a_second_review_cannot_open(client, carol, partnership, open_review):
    client.force_login(carol)
    page = client.get(_url(partnership))
    assert "A review is already open" in page.text
    response = client.post(_url(partnership), _due())
    assert response.status_code == 200
    assert "A review is already open" in response.text
    assert list(partnership.reviews.all()) == [open_review]


def test_it_rejects_a_past_due_date(client, carol, partnership):
    client.force_login(carol)
    response = client.post(_url(partnership), _due(days=-1))
    assert "Assessments due must be today or in the future" in response.text
    assert not Review.objects.exists()


def test_it_hides_from_outsiders(client, dan, partnership):
    client.force_login(dan)
    assert client.post(_url(partnership), _due()).status_code == 404
    assert not Review.objects.exists()


def test_it_requires_role(client, alice, bob, partnership):
    for person in (alice, bob):
        client.force_login(person)
        response = client.post(_url(partnership), _due())
        assert response.status_code == 403
        assert "Only editors and admins of the lead commissioner" in response.text
    assert not Review.objects.exists()


def _a_review(partnership, state=Review.State.OPEN, **extra):
    opened_on = datetime.date(2026, 6, 1)
    return Review.objects.create(
        partnership=partnership,
        framework=partnership.framework,
        opened_on=opened_on,
        due_on=opened_on + datetime.timedelta(days=28),
        state=state,
        **extra,
    )


def test_the_service_refuses_a_second_open_review(partnership, open_review, carol):
    due_on = timezone.localdate() + datetime.timedelta(days=28)
    with pytest.raises(ValidationError) as refused:
        review_open(partnership=partnership, by=carol, due_on=due_on)
    assert refused.value.messages == [ALREADY_OPEN]
    assert list(partnership.reviews.all()) == [open_review]
    assert open_review.assessments.count() == 2


def test_the_service_refuses_without_the_databases_constraint(partnership, open_review, carol):
    """The service checks for itself: the constraint is only the last line of defence."""
    (constraint,) = (
        c for c in Review._meta.constraints if c.name == "review_one_open_per_partnership"
    )
    with connection.schema_editor() as editor:  # undone with the test's transaction
        editor.remove_constraint(Review, constraint)
    due_on = timezone.localdate() + datetime.timedelta(days=28)
    with pytest.raises(ValidationError) as refused:
        review_open(partnership=partnership, by=carol, due_on=due_on)
    assert refused.value.messages == [ALREADY_OPEN]
    assert list(partnership.reviews.all()) == [open_review]


def test_the_database_refuses_a_second_open_review(partnership, open_review):
    with (
        pytest.raises(IntegrityError, match="review_one_open_per_partnership"),
        transaction.atomic(),
    ):
        _a_review(partnership)
    assert list(partnership.reviews.all()) == [open_review]


def test_the_database_allows_closed_reviews_beside_the_open_one(partnership, closed_review):
    earlier = _a_review(
        partnership,
        state=Review.State.CLOSED,
        closed_on=datetime.date(2026, 7, 1),
        overall_rag="green",
    )
    opened = _a_review(partnership)
    assert set(partnership.reviews.values_list("pk", "state")) == {
        (closed_review.pk, "closed"),
        (earlier.pk, "closed"),
        (opened.pk, "open"),
    }


def test_the_database_allows_an_open_review_in_each_partnership(
    partnership, open_review, framework
):
    other = Partnership.objects.create(
        name="Hillside Partnership", kind=Partnership.Kind.GRANT, framework=framework
    )
    opened = _a_review(other)
    assert set(Review.objects.filter(state=Review.State.OPEN)) == {open_review, opened}
