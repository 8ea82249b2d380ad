"""A review's result in the API's shape, read through the stored results and the withholding
rule (partnerships.results, partnerships.withholding): what the results page would show."""

from django.utils import timezone

from organisations.models import Organisation
from partnerships import results, scoring, withholding
from partnerships.models import Review


def _figure(value):
    return scoring.shown(value, scoring.FILE)


def _sides(values: dict) -> dict:
    return {side: values.get(side) for side in scoring.SIDES}


def result_data(result: scoring.ReviewResult, codes: dict | None = None) -> dict:
    """`result` as the API gives it; with `codes` (organisation id → code) each
    organisation's scores too, as the results page lists them."""
    principles = []
    for p in result.principles:
        row = {
            "number": p.number,
            "name": p.name,
            "score": _figure(p.score),
            "rag": p.rag,
            "sides": {side: _figure(mean) for side, mean in _sides(p.side_means).items()},
            "side_counts": _sides(p.side_counts),
            "gap": p.shown_gap if p.gap is not None else None,
            "gap_flag": withholding.gap_flag(p),
            "spread": _figure(p.spread),
            "withheld": sorted(p.withheld) if result.hidden else [],
        }
        if codes is not None:
            row["organisations"] = [
                {
                    "organisation": codes[o.organisation_id],
                    "name": o.name,
                    "side": o.side,
                    "score": _figure(o.score),
                    "scored": o.scored,
                    "dont_know": o.dont_know,
                }
                for o in p.organisations
            ]
        principles.append(row)
    return {
        "score": _figure(result.score),
        "index": scoring.shown_index(result.index, 1),
        "rag": result.rag,
        "hidden": result.hidden,
        "withheld": sorted(result.withheld) if result.hidden else [],
        "submitted": {side: result.submitted.get(side, 0) for side in scoring.SIDE_ORDER},
        "principles": principles,
    }


def timeliness(review: Review, today) -> str:
    if review.state == Review.State.CLOSED:
        return "on_time" if review.closed_on <= review.due_on else "late"
    return "overdue" if review.due_on < today else "not_due"


def _decorate(review: Review, result, today, codes=None) -> Review:
    closed = review.state == Review.State.CLOSED
    review.api_timeliness = timeliness(review, today)
    review.api_rag = review.overall_rag or None
    review.api_summary = review.summary if closed else None
    review.api_result = result_data(result, codes) if closed and result else None
    return review


def reviews_page(reviews, *, user) -> list[Review]:
    """A page of reviews, each with its result as `user` may see it."""
    reviews = list(reviews)
    found = results.review_results(reviews, user=user)
    today = timezone.localdate()
    return [_decorate(review, found.get(review.pk), today) for review in reviews]


def review_one(review: Review, *, user) -> Review:
    """One review, its result with each organisation's scores as the results page shows."""
    if review.state != Review.State.CLOSED:
        return _decorate(review, None, timezone.localdate())
    result = results.review_result(review, user=user)
    ids = {o.organisation_id for p in result.principles for o in p.organisations}
    codes = dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "code"))
    return _decorate(review, result, timezone.localdate(), codes)
