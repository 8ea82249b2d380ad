"""A closed review's result: worked out once from its ratings when it closes, then read back.

`review_result_store` is the one place that reads ratings for scores: it asks
partnerships.scoring for the result and stores it, in the transaction that closes the review
(partnerships/services/reviews.py) or from `manage.py rescore` for reviews closed before
results were stored. Everything else (pages, PDFs, CSVs, the workbook, reports) reads the
stored rows, through the functions below or in SQL over the same tables.
"""

from collections import defaultdict

import orjson
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from organisations.models import Organisation
from partnerships import charts, scoring
from partnerships.models import (
    Assessment,
    OrganisationResult,
    PrincipleResult,
    Rating,
    Review,
    ReviewResult,
)
from partnerships.withholding import for_partners, gap_flag, sees_whole, withhold
from principles.models import Framework


class NotStored(Exception):
    """A closed review without a stored result: `manage.py rescore` works it out."""


# Working a result out, from the ratings.


def _framework_shape(framework: Framework):
    rows = framework.principles.annotate(statement_count=Count("statements")).values_list(
        "pk", "number", "name", "statement_count"
    )
    return {number: (pk, name, count) for pk, number, name, count in rows}


def _answers_by_review(review_ids) -> dict[int, list[scoring.OrganisationAnswers]]:
    rows = (
        Rating.objects.filter(
            assessment__review__in=review_ids, assessment__state=Assessment.State.SUBMITTED
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
    # A submitted assessment without a rating still counts as submitted (its side's count).
    silent = (
        Assessment.objects.filter(review__in=review_ids, state=Assessment.State.SUBMITTED)
        .exclude(ratings__isnull=False)
        .values_list("review_id", "organisation_id", "organisation__name", "organisation__kind")
    )
    for review_id, organisation_id, name, kind in silent:
        side = str(Organisation.SIDE_OF_KIND[kind])
        by_review[review_id].append(scoring.OrganisationAnswers(organisation_id, name, side, {}))
    return by_review


def _score(review, answers, framework, shape) -> scoring.ReviewResult:
    result = scoring.score_review(
        answers,
        {number: count for number, (_, _, count) in shape.items()},
        principle_names={number: name for number, (_, name, _) in shape.items()},
        framework_version=str(framework),
    )
    if review.is_confidential:
        # Decided once, at close, with the threshold of the day (docs/permissions.md).
        return scoring.withheld_figures(result, settings.MIN_ORGANISATIONS_PER_SHOWN_SIDE)
    return result


def _rows(review_id: int, result: scoring.ReviewResult, shape):
    """The model rows of one result."""
    review_row = ReviewResult(
        review_id=review_id,
        score=result.score,
        index=result.index,
        principles_scored=result.principles_scored,
        lowest=result.lowest,
        **{f"{side}_submitted": result.submitted.get(side, 0) for side in scoring.SIDE_ORDER},
        score_withheld="score" in result.withheld,
        min_per_side=result.min_per_side,
        # The figures above are those of `result` exactly (cut to STORED_PLACES), so its
        # copies are what reading them back would give (tests/partnerships/test_result_data.py).
        **_copies(result),
    )
    principle_rows, organisation_rows = [], []
    for p in result.principles:
        principle_id = shape[p.number][0]
        principle_rows.append(
            PrincipleResult(
                review_id=review_id,
                principle_id=principle_id,
                score=p.score,
                gap=p.gap,
                spread=p.spread,
                **{side: p.side_means[side] for side in scoring.SIDES},
                **{f"{side}_organisations": p.side_counts[side] for side in scoring.SIDES},
                **{f"{name}_withheld": name in p.withheld for name in scoring.WITHHOLDABLE},
            )
        )
        organisation_rows += [
            OrganisationResult(
                review_id=review_id,
                organisation_id=o.organisation_id,
                principle_id=principle_id,
                side=o.side,
                score=o.score,
                scored=o.scored,
                dont_know=o.dont_know,
            )
            for o in p.organisations
        ]
    return review_row, principle_rows, organisation_rows


def review_result_compute(review: Review) -> scoring.ReviewResult:
    """The result of a review from its submitted assessments' ratings, not stored."""
    framework = review.framework
    answers = _answers_by_review([review.pk]).get(review.pk, [])
    return _score(review, answers, framework, _framework_shape(framework))


@transaction.atomic
def review_results_store(reviews, *, replace: bool = False) -> int:
    """Works out and stores the results of closed reviews; returns how many it stored.

    A review that already has a stored result is left as it is unless `replace`. Reviews are
    scored a framework at a time, their ratings read in one query.
    """
    reviews = list(reviews)
    if any(review.state != Review.State.CLOSED for review in reviews):
        raise ValueError("Only a closed review has a result to store.")
    ids = [review.pk for review in reviews]
    stored = set(ReviewResult.objects.filter(review__in=ids).values_list("review_id", flat=True))
    if replace and stored:
        for model in (OrganisationResult, PrincipleResult, ReviewResult):
            model.objects.filter(review__in=stored).delete()
        stored = set()
    todo = [review for review in reviews if review.pk not in stored]
    by_framework = defaultdict(list)
    for review in todo:
        by_framework[review.framework_id].append(review)
    review_rows, principle_rows, organisation_rows = [], [], []
    for framework_id, group in by_framework.items():
        framework = Framework.objects.get(pk=framework_id)
        shape = _framework_shape(framework)
        answers = _answers_by_review([review.pk for review in group])
        for review in group:
            review_row, principles, organisations = _rows(
                review.pk, _score(review, answers.get(review.pk, []), framework, shape), shape
            )
            review_rows.append(review_row)
            principle_rows += principles
            organisation_rows += organisations
    # A result stored again (manage.py rescore) is a change the read API's updated_since shows.
    Review.objects.filter(pk__in=[row.review_id for row in review_rows]).update(
        updated_at=timezone.now()
    )
    ReviewResult.objects.bulk_create(review_rows)
    PrincipleResult.objects.bulk_create(principle_rows, batch_size=5000)
    OrganisationResult.objects.bulk_create(organisation_rows, batch_size=5000)
    return len(review_rows)


def result_copies_store(reviews) -> int:
    """Writes again the read API's copies of stored results (ReviewResult.data and
    data_for_partners) from their stored figures, banded with today's thresholds; returns
    how many. The figures, and what a confidential review withholds, stay as decided when
    it closed. The reviews come with select_related("result", "framework")."""
    by_framework = defaultdict(list)
    for review in reviews:
        by_framework[review.framework_id].append(review)
    bands, rows, rebanded = scoring.bands_key(), [], []
    for group in by_framework.values():
        loaded = _load(group)
        for review in group:
            row = review.result
            if row.data and row.banded_with != bands:
                rebanded.append(review.pk)
            for name, value in _copies(loaded[review.pk]).items():
                setattr(row, name, value)
            rows.append(row)
    with transaction.atomic():
        ReviewResult.objects.bulk_update(rows, ["data", "data_for_partners", "banded_with"])
        # Bands that may have changed are a change the read API's updated_since shows.
        Review.objects.filter(pk__in=rebanded).update(updated_at=timezone.now())
    return len(rows)


def closed_reviews_store(*, replace: bool = False, chunk: int = 500) -> int:
    """Stores the result of every closed review that has none (every one with `replace`),
    and writes again the read API's copies of any result stored before they were kept, or
    banded with other thresholds than today's (`result_copies_store`), a chunk of reviews at
    a time, each in its own transaction: memory stays flat at national scale, and a run that
    stops part way keeps what it stored. Returns how many results it stored or wrote again."""
    closed = Review.objects.filter(state=Review.State.CLOSED)
    if replace:
        return _in_chunks(
            closed.select_related("framework"),
            lambda reviews: review_results_store(reviews, replace=True),
            chunk,
        )
    done = _in_chunks(
        closed.filter(result__isnull=True).select_related("framework"),
        review_results_store,
        chunk,
    )
    stale = closed.filter(Q(result__data="") | ~Q(result__banded_with=scoring.bands_key()))
    return done + _in_chunks(
        stale.select_related("result", "framework"), result_copies_store, chunk
    )


def _in_chunks(reviews, store, chunk: int) -> int:
    ids = list(reviews.order_by("pk").values_list("pk", flat=True))
    return sum(
        store(reviews.filter(pk__in=ids[start : start + chunk]))
        for start in range(0, len(ids), chunk)
    )


def review_result_store(review: Review) -> None:
    """Works out and stores one closed review's result (when it closes)."""
    review_results_store([review])


# Reading stored results back.


def _load(reviews, *, organisations_of: int | None = None) -> dict[int, scoring.ReviewResult]:
    """Stored results of closed reviews of one framework, keyed by review id, in two queries
    however many reviews; each organisation's scores (a third) only for `organisations_of`.

    The reviews come with their result row (select_related("result", "framework")).
    """
    reviews = list(reviews)
    if not reviews:
        return {}
    if len({review.framework_id for review in reviews}) > 1:
        raise ValueError("Load the results of one framework at a time.")
    framework = reviews[0].framework
    missing = [review for review in reviews if not hasattr(review, "result")]
    if missing:
        raise NotStored(f"{missing[0]} is closed but has no stored result: run manage.py rescore.")
    by_principle = {}
    principles = {}
    rows = PrincipleResult.objects.filter(review__in=[review.pk for review in reviews])
    for row in rows.select_related("principle"):
        by_principle[row.review_id, row.principle_id] = row
        principles[row.principle_id] = (row.principle.number, row.principle.name)
    principles = sorted(((pk, *p) for pk, p in principles.items()), key=lambda p: p[1])
    organisations = defaultdict(list)
    if organisations_of is not None:
        for row in OrganisationResult.objects.filter(review=organisations_of).select_related(
            "organisation"
        ):
            organisations[row.review_id, row.principle_id].append(row)
    found = {}
    for review in reviews:
        total = review.result
        found[review.pk] = scoring.ReviewResult(
            principles=tuple(
                _principle(
                    by_principle.get((review.pk, pk)), number, name, organisations[review.pk, pk]
                )
                for pk, number, name in principles
            ),
            score=total.score,
            index=total.index,
            lowest=total.lowest,
            framework_version=str(framework),
            submitted={side: getattr(total, f"{side}_submitted") for side in scoring.SIDE_ORDER},
            withheld=frozenset({"score"}) if total.score_withheld else frozenset(),
            min_per_side=total.min_per_side,
        )
    return found


def _principle(row, number, name, organisations) -> scoring.PrincipleResult:
    listed = sorted(
        organisations,
        key=lambda o: scoring.listing_order(o.side, o.organisation.name, o.organisation_id),
    )
    return scoring.PrincipleResult(
        number=number,
        name=name,
        organisations=tuple(
            scoring.OrganisationScore(
                organisation_id=o.organisation_id,
                name=o.organisation.dated_name,  # history keeps its names
                side=o.side,
                score=o.score,
                scored=o.scored,
                dont_know=o.dont_know,
            )
            for o in listed
        ),
        side_means={side: getattr(row, side) if row else None for side in scoring.SIDES},
        side_counts={
            side: getattr(row, f"{side}_organisations") if row else 0 for side in scoring.SIDES
        },
        score=row.score if row else None,
        gap=row.gap if row else None,
        spread=row.spread if row else None,
        withheld=frozenset(
            name for name in scoring.WITHHOLDABLE if row and getattr(row, f"{name}_withheld")
        ),
    )


def stored_result(review: Review) -> scoring.ReviewResult:
    """The whole stored result of one closed review, each organisation's scores included:
    for checks and recomputing. What a person is shown goes through `review_result`."""
    review = Review.objects.select_related("result", "framework").get(pk=review.pk)
    return _load([review], organisations_of=review.pk)[review.pk]


def review_result(review: Review, *, user) -> scoring.ReviewResult:
    """The stored result of one closed review, with each organisation's scores, as `user`
    may see it (withholding.withhold)."""
    return withhold(stored_result(review), user=user)


def review_results(reviews, *, user) -> dict[int, scoring.ReviewResult]:
    """The stored results of many closed reviews (any frameworks), by review id, each as
    `user` may see it, without each organisation's scores: two queries per framework, for
    lists. The reviews come with select_related("result", "framework")."""
    by_framework = defaultdict(list)
    for review in reviews:
        if review.state == Review.State.CLOSED:
            by_framework[review.framework_id].append(review)
    found = {}
    for group in by_framework.values():
        found |= {pk: withhold(result, user=user) for pk, result in _load(group).items()}
    return found


def listed_results(review_ids, *, user) -> dict[int, str]:
    """The stored results of closed reviews as JSON text (`result_data` with its bands), by
    review id, each as `user` may see it, without each organisation's scores: one query
    however many reviews, for lists of results (the read API's). Each comes as stored,
    unless the band thresholds have changed since: then it is banded again with today's."""
    rows = ReviewResult.objects.filter(review__in=review_ids).values_list(
        "review_id",
        "min_per_side",
        "score",
        "lowest",
        "banded_with",
        "data",
        "data_for_partners",
    )
    bands = scoring.bands_key()
    found = {}
    for review_id, min_per_side, score, lowest, banded_with, whole, partners in rows:
        whole_seen = sees_whole(confidential=min_per_side is not None, user=user)
        text = whole if whole_seen else partners
        if not text:
            raise NotStored(f"Review {review_id}'s result has no copy: run manage.py rescore.")
        if banded_with != bands:
            data = orjson.loads(text)
            # The overall band is the stored figures' band, unless the score is withheld.
            rag = scoring.overall_rag(score, lowest) if data["score"] is not None else None
            text = orjson.dumps(result_banded(data, rag=rag)).decode()
        found[review_id] = text
    if missing := set(review_ids) - set(found):
        raise NotStored(f"Review {min(missing)} has no stored result: run manage.py rescore.")
    return found


# A result as data: what the read API gives, stored with the result when it closes.


def _file_figure(value) -> float | None:
    # A float holds a figure of two places exactly as JSON writes it (4.06, not 4.0599...).
    figure = scoring.shown(value, scoring.FILE)
    return None if figure is None else float(figure)


def _sides(values: dict) -> dict:
    return {side: values.get(side) for side in scoring.SIDES}


def result_data(result: scoring.ReviewResult, codes: dict | None = None) -> dict:
    """`result` as plain data (JSON): its figures as files show them (two places; the index
    one, the gap as shown on screen), each principle's gap flag and what it withholds; with
    `codes` (organisation id → code) each organisation's scores too, as the results page
    lists them. Bands are left out: their thresholds are settings, so `result_banded` adds
    those of the day, when the copies are stored and whenever they are read."""
    principles = []
    for p in result.principles:
        row = {
            "number": p.number,
            "name": p.name,
            "score": _file_figure(p.score),
            "sides": {side: _file_figure(mean) for side, mean in _sides(p.side_means).items()},
            "side_counts": _sides(p.side_counts),
            "gap": float(p.shown_gap) if p.gap is not None else None,
            "gap_flag": gap_flag(p),
            "spread": _file_figure(p.spread),
            "withheld": sorted(p.withheld) if result.hidden else [],
        }
        if codes is not None:
            row["organisations"] = [
                {
                    "organisation": str(codes[o.organisation_id]),
                    "name": o.name,
                    "side": o.side,
                    "score": _file_figure(o.score),
                    "scored": o.scored,
                    "dont_know": o.dont_know,
                }
                for o in p.organisations
            ]
        principles.append(row)
    index = scoring.shown_index(result.index, 1)
    return {
        "score": _file_figure(result.score),
        "index": None if index is None else float(index),
        "hidden": result.hidden,
        "withheld": sorted(result.withheld) if result.hidden else [],
        "submitted": {side: result.submitted.get(side, 0) for side in scoring.SIDE_ORDER},
        "principles": principles,
    }


def result_banded(data: dict, *, rag: str | None) -> dict:
    """`result_data`'s data with its bands of today: `rag` overall (the result's own, as
    the reader may see it) and each principle's from its score as shown (scoring.rag_for,
    which gives a file's figure the band of the stored one). The data is left as it is."""
    principles = [{**p, "rag": scoring.rag_for(p["score"])} for p in data["principles"]]
    return {**data, "rag": rag, "principles": principles}


def _banded_json(result: scoring.ReviewResult) -> str:
    return orjson.dumps(result_banded(result_data(result), rag=result.rag)).decode()


def _copies(result: scoring.ReviewResult) -> dict:
    """A stored result's copies for the read API: as readers who see everything see it, and
    a confidential review's as its partners do (through the withholding rule)."""
    return {
        "data": _banded_json(result),
        "data_for_partners": _banded_json(for_partners(result)) if result.is_confidential else "",
        "banded_with": scoring.bands_key(),
    }


def _trend_reviews(review: Review) -> list[Review]:
    return list(
        Review.objects.filter(
            partnership=review.partnership_id,
            state=Review.State.CLOSED,
            framework=review.framework_id,
        )
        .select_related("result", "framework")
        .order_by("closed_on", "id")
    )


def partnership_trend(review: Review, *, user) -> scoring.Trend:
    """Closed reviews of the review's partnership on its framework version, oldest first,
    each as `user` may see it."""
    reviews = _trend_reviews(review)
    results = _load(reviews)
    return scoring.trend((r.closed_on, withhold(results[r.pk], user=user)) for r in reviews)


def review_result_and_trend(review: Review, *, user) -> tuple[scoring.ReviewResult, scoring.Trend]:
    """The review's result with each organisation's scores, and its partnership's trend,
    each review as `user` may see it: one load, since a closed review is itself a point of
    its partnership's trend."""
    reviews = _trend_reviews(review)
    loaded = _load(reviews, organisations_of=review.pk)
    results = {pk: withhold(result, user=user) for pk, result in loaded.items()}
    return results[review.pk], scoring.trend((r.closed_on, results[r.pk]) for r in reviews)


def result_charts(result: scoring.ReviewResult) -> dict:
    """The radar of the partnership's and the two sides' scores, and the gap bars, that the
    results page and the partnership report draw from one result."""
    principles = result.principles
    labels = [f"{p.number}. {p.name}" for p in principles]
    return {
        "radar": charts.radar(
            [str(p.number) for p in principles],
            [
                ("Partnership", "app-chart__series--partnership", [p.score for p in principles]),
                ("NHS side", "app-chart__series--nhs", [p.side_means["nhs"] for p in principles]),
                (
                    "VCSE side",
                    "app-chart__series--vcse",
                    [p.side_means["vcse"] for p in principles],
                ),
            ],
            names=[p.name for p in principles],
        ),
        "gaps": charts.gap_rows(
            [(label, p.shown_gap, gap_flag(p)) for label, p in zip(labels, principles, strict=True)]
        ),
    }
