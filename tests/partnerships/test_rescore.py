"""A closed review's result, stored when it closes and by `manage.py rescore` for reviews closed
before results were stored: the stored figures are the scoring module's, exactly."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from partnerships import results
from partnerships.models import (
    Assessment,
    HealthCheck,
    OrganisationResult,
    PrincipleResult,
    Rating,
    Review,
    ReviewResult,
)
from partnerships.services.reviews import review_close
from tests.conftest import submit

# Thirds and sevenths: figures that no decimal holds exactly, on both sides of a boundary.
ICB_SCORES = {1: [4, 4, 4, 3], 2: [5, 4, 4, None], 3: [2, 3, 3, 3], 7: [1, None, None, 5]}
CHARITY_SCORES = {1: [3, 3, 4, 4], 2: [2, 2, 3, None], 5: [None, None, None, 4]}


def _written_closed(partnership, icb, charity) -> Review:
    """A closed review written straight into the database, as before results were stored."""
    review = Review.objects.create(
        partnership=partnership,
        framework=partnership.framework,
        opened_on=datetime.date(2025, 1, 6),
        due_on=datetime.date(2025, 2, 3),
    )
    submit(Assessment.objects.create(review=review, organisation=icb), scores=ICB_SCORES)
    submit(Assessment.objects.create(review=review, organisation=charity), scores=CHARITY_SCORES)
    review.state, review.closed_on, review.overall_rag = "closed", review.due_on, "amber"
    review.save()
    return review


def _rescore(*args) -> str:
    out = StringIO()
    call_command("rescore", *args, stdout=out)
    return out.getvalue()


def test_rescore_stores_the_scoring_modules_result(partnership, icb, charity):
    review = _written_closed(partnership, icb, charity)
    assert not ReviewResult.objects.filter(review=review).exists()

    assert _rescore() == "Stored the result of 1 closed review.\n"

    # Read back from the database, every figure is the scoring module's to the last place.
    assert results.stored_result(review) == results.review_result_compute(review)
    assert PrincipleResult.objects.filter(review=review).count() == 7
    assert OrganisationResult.objects.filter(review=review).count() == 14


def test_rescore_is_safe_to_run_again(partnership, icb, charity):
    review = _written_closed(partnership, icb, charity)
    open_review = Review.objects.create(
        partnership=partnership,
        framework=partnership.framework,
        opened_on=datetime.date(2026, 11, 2),
        due_on=datetime.date(2026, 11, 30),
    )
    _rescore()
    rows = list(PrincipleResult.objects.order_by("pk").values())

    assert _rescore() == "Stored the results of 0 closed reviews.\n"
    assert list(PrincipleResult.objects.order_by("pk").values()) == rows
    assert ReviewResult.objects.get().review == review
    assert not ReviewResult.objects.filter(review=open_review).exists()  # open: no result


def test_rescore_all_works_every_result_out_again(partnership, icb, charity):
    review = _written_closed(partnership, icb, charity)
    _rescore()
    before = results.stored_result(review)
    # As if the scoring rules had changed: the stored result no longer matches the ratings.
    Rating.objects.filter(assessment__review=review, score=4).update(score=5)

    assert _rescore() == "Stored the results of 0 closed reviews.\n"
    assert results.stored_result(review) == before
    assert _rescore("--all") == "Stored the result of 1 closed review.\n"
    assert results.stored_result(review) == results.review_result_compute(review)
    assert results.stored_result(review) != before
    assert ReviewResult.objects.count() == 1


def test_closing_a_review_stores_its_result(open_review, carol, alice, icb, charity):
    submit(open_review.assessments.get(organisation=icb), by=carol, scores=ICB_SCORES)
    submit(open_review.assessments.get(organisation=charity), by=alice, scores=CHARITY_SCORES)
    HealthCheck.objects.create(review=open_review, recorded_by=carol)

    review_close(review=open_review, by=carol, overall_rag="amber")

    stored = ReviewResult.objects.get(review=open_review)
    assert (stored.nhs_submitted, stored.vcse_submitted, stored.other_submitted) == (1, 1, 0)
    assert results.stored_result(open_review) == results.review_result_compute(open_review)


def test_a_result_is_stored_only_for_a_closed_review(open_review):
    with pytest.raises(ValueError, match="closed"):
        results.review_results_store([open_review])


def test_a_closed_review_without_a_stored_result_is_named(partnership, icb, charity):
    review = _written_closed(partnership, icb, charity)
    with pytest.raises(results.NotStored, match="rescore"):
        results.stored_result(review)
