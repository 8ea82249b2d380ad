"""The read API's reviews as it gives them (api.serializers.ReviewSerializer describes
them), each closed one with its stored result as the person may see it: what the results
page would show (partnerships.results, partnerships.withholding).

A page of 100 reviews with their results is the API's heaviest answer, so it is read in a
few narrow queries as plain rows rather than as model instances through DRF's serializers,
which cost it most of its time (bench/README.md); tests/api check every answer against the
document.
"""

from functools import lru_cache

import orjson
from django.utils import timezone
from rest_framework import serializers

from organisations.models import Organisation
from partnerships import results
from partnerships.models import Review
from principles.models import Framework

# What a review's row gives of it (Review.objects.values(*COLUMNS)): all a page reads of a
# review but its result, in the query that finds the page.
COLUMNS = (
    *("pk", "code", "visibility", "state", "opened_on", "due_on", "closed_on"),
    *("overall_rag", "summary", "updated_at", "framework__name", "framework__version"),
    *("partnership__code", "partnership__name", "partnership__icb__code"),
    *("partnership__icb__name", "partnership__icb__active_to"),
)


def timeliness(review: dict, today) -> str:
    if review["state"] == Review.State.CLOSED:
        return "on_time" if review["closed_on"] <= review["due_on"] else "late"
    return "overdue" if review["due_on"] < today else "not_due"


def _date(value):
    return None if value is None else value.isoformat()


@lru_cache(maxsize=256)  # a pure function of its arguments: a memo, never stale
def _framework(name: str, version: str) -> str:
    return str(Framework(name=name, version=version))  # the model's own words for it


@lru_cache(maxsize=256)  # a pure function of its arguments: a memo, never stale
def _icb(code, name: str, active_to) -> dict | None:
    if code is None:
        return None
    # The name as the model gives it, with the day the ICB ended if it has.
    return {"code": str(code), "name": Organisation(name=name, active_to=active_to).dated_name}


def _review(review: dict, result: str | None, today, moment) -> dict:
    closed = review["state"] == Review.State.CLOSED
    return {
        "code": str(review["code"]),
        "partnership": str(review["partnership__code"]),
        "partnership_name": review["partnership__name"],
        "icb": _icb(
            review["partnership__icb__code"],
            review["partnership__icb__name"],
            review["partnership__icb__active_to"],
        ),
        "framework": _framework(review["framework__name"], review["framework__version"]),
        "visibility": review["visibility"],
        "state": review["state"],
        "opened_on": _date(review["opened_on"]),
        "due_on": _date(review["due_on"]),
        "closed_on": _date(review["closed_on"]),
        "timeliness": timeliness(review, today),
        "overall_rag": review["overall_rag"] or None,
        "summary": review["summary"] if closed else None,
        # The stored result's JSON, written into the answer as it is.
        "result": orjson.Fragment(result) if closed and result else None,
        "updated_at": moment.to_representation(review["updated_at"]),
    }


def reviews_page(reviews: list[dict], *, user, listed: bool = True) -> list[dict]:
    """The `reviews` (rows of COLUMNS, of reviews `user` may see) as the API gives them;
    with `listed` each closed one's result as `user` may see it, without each
    organisation's scores: one query however many reviews."""
    closed = [review["pk"] for review in reviews if review["state"] == Review.State.CLOSED]
    found = results.listed_results(closed, user=user) if listed and closed else {}
    today = timezone.localdate()
    # A datetime as the API writes every other one, in the time zone of the request.
    moment = serializers.DateTimeField(default_timezone=timezone.get_current_timezone())
    return [_review(review, found.get(review["pk"]), today, moment) for review in reviews]


def review_one(review: Review, *, user) -> dict:
    """One review; a closed one's result with each organisation's scores, as the results
    page lists them to `user`."""
    row = Review.objects.filter(pk=review.pk).values(*COLUMNS).get()
    row = reviews_page([row], user=user, listed=False)[0]
    if review.state == Review.State.CLOSED:
        result = results.review_result(review, user=user)
        ids = {o.organisation_id for p in result.principles for o in p.organisations}
        codes = dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "code"))
        row["result"] = results.result_banded(results.result_data(result, codes), rag=result.rag)
    return row
