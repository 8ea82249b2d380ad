"""The read API's reviews as it gives them (api.serializers.ReviewSerializer describes
them), each closed one with its stored result as the person may see it: what the results
page would show (partnerships.results, partnerships.withholding).

A page of 100 reviews with their results is the API's heaviest answer, so it is read in a
few narrow queries as plain rows rather than as model instances through DRF's serializers,
which cost it most of its time (bench/README.md); tests/api check every answer against the
document.
"""

import orjson
from django.utils import timezone
from rest_framework import serializers

from organisations.models import Organisation
from partnerships import results
from partnerships.models import Partnership, Review
from principles.models import Framework

# What a review's row gives of it (Review.objects.values(*COLUMNS)).
COLUMNS = (
    *("pk", "code", "partnership_id", "visibility", "state", "opened_on", "due_on"),
    *("closed_on", "overall_rag", "summary", "updated_at", "framework__name"),
    "framework__version",
)


def timeliness(review: dict, today) -> str:
    if review["state"] == Review.State.CLOSED:
        return "on_time" if review["closed_on"] <= review["due_on"] else "late"
    return "overdue" if review["due_on"] < today else "not_due"


def _date(value):
    return None if value is None else value.isoformat()


def _review(review: dict, partnership: dict, icb, result: str | None, today, moment) -> dict:
    closed = review["state"] == Review.State.CLOSED
    # A Framework's own __str__, from the two columns read with the review.
    framework = Framework(name=review["framework__name"], version=review["framework__version"])
    return {
        "code": str(review["code"]),
        "partnership": str(partnership["code"]),
        "partnership_name": partnership["name"],
        "icb": {"code": str(icb.code), "name": icb.dated_name} if icb else None,
        "framework": str(framework),
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
    organisation's scores. Three queries however many reviews."""
    partnerships = Partnership.objects.filter(
        pk__in={review["partnership_id"] for review in reviews}
    ).values("pk", "code", "name", "icb_id")
    partnerships = {partnership["pk"]: partnership for partnership in partnerships}
    icbs = Organisation.objects.only("code", "name", "active_to").in_bulk(
        {p["icb_id"] for p in partnerships.values() if p["icb_id"]}
    )
    closed = [review["pk"] for review in reviews if review["state"] == Review.State.CLOSED]
    found = results.listed_results(closed, user=user) if listed and closed else {}
    today = timezone.localdate()
    # A datetime as the API writes every other one, in the time zone of the request.
    moment = serializers.DateTimeField(default_timezone=timezone.get_current_timezone())
    page = []
    for review in reviews:
        partnership = partnerships[review["partnership_id"]]
        icb = icbs.get(partnership["icb_id"])
        page.append(_review(review, partnership, icb, found.get(review["pk"]), today, moment))
    return page


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
