"""Reads a review's submitted ratings and scores them with the scoring module.

A fixed number of queries whatever the number of partners or reviews, so the results page,
exports and PDFs can all call it.
"""

from collections import defaultdict

from django.conf import settings
from django.db.models import Count

from organisations.models import Organisation
from partnerships import scoring
from partnerships.models import Assessment, Rating, Review
from principles.models import Framework


def _framework_shape(framework: Framework) -> tuple[dict[int, int], dict[int, str]]:
    rows = framework.principles.annotate(statement_count=Count("statements")).values_list(
        "number", "name", "statement_count"
    )
    return {n: count for n, _, count in rows}, {n: name for n, name, _ in rows}


def _answers_by_review(reviews) -> dict[int, list[scoring.OrganisationAnswers]]:
    rows = (
        Rating.objects.filter(
            assessment__review__in=reviews, assessment__state=Assessment.State.SUBMITTED
        )
        .order_by("assessment_id", "statement__principle__number", "statement__order")
        .values_list(
            "assessment__review_id",
            "assessment__organisation_id",
            "assessment__organisation__name",
            "assessment__organisation__kind",
            "statement__principle__number",
            "score",
        )
    )
    answers = defaultdict(lambda: defaultdict(list))
    names = {}
    for review_id, organisation_id, name, kind, number, score in rows:
        names[organisation_id] = (name, Organisation.SIDE_OF_KIND[kind])
        answers[review_id, organisation_id][number].append(score)
    by_review = defaultdict(list)
    for (review_id, organisation_id), principles in answers.items():
        name, side = names[organisation_id]
        by_review[review_id].append(
            scoring.OrganisationAnswers(organisation_id, name, str(side), dict(principles))
        )
    return by_review


def _score(answers, framework, shape):
    statements, names = shape
    return scoring.score_review(
        answers,
        statements,
        principle_names=names,
        green_from=settings.RAG_GREEN_FROM,
        amber_from=settings.RAG_AMBER_FROM,
        framework_version=str(framework),
    )


def review_result(review: Review) -> scoring.ReviewResult:
    """The scores of one review, from the assessments submitted to it."""
    framework = review.framework
    return _score(_answers_by_review([review])[review.id], framework, _framework_shape(framework))


def _trend_reviews(review: Review) -> list[Review]:
    return list(
        Review.objects.filter(
            partnership=review.partnership_id,
            state=Review.State.CLOSED,
            framework=review.framework_id,
        ).order_by("closed_on", "id")
    )


def partnership_trend(review: Review) -> scoring.Trend:
    """Closed reviews of the review's partnership on its framework version, oldest first."""
    framework = review.framework
    reviews = _trend_reviews(review)
    shape = _framework_shape(framework)
    answers = _answers_by_review(reviews)
    return scoring.trend(
        (r.closed_on, _score(answers.get(r.id, []), framework, shape)) for r in reviews
    )


def review_result_and_trend(review: Review) -> tuple[scoring.ReviewResult, scoring.Trend]:
    """Both of the above for the price of one: the framework and every rating are read once,
    since a closed review is itself a point of its partnership's trend."""
    framework = review.framework
    reviews = _trend_reviews(review)
    shape = _framework_shape(framework)
    answers = _answers_by_review([review.id, *(r.id for r in reviews)])
    result = _score(answers.get(review.id, []), framework, shape)
    trend = scoring.trend(
        (
            r.closed_on,
            result if r.id == review.id else _score(answers.get(r.id, []), framework, shape),
        )
        for r in reviews
    )
    return result, trend
