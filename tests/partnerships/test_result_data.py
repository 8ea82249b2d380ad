"""The result data stored with each closed review (ReviewResult.data and data_for_partners,
which the read API's lists pass on as they are): the review's stored figures shaped by
results.result_data, as readers who see everything see them and as its partners do, through
the one withholding rule; banded with the thresholds of when they were stored, and read with
today's when those have changed."""

import orjson
import pytest
from django.core.management import call_command

from partnerships import results, scoring, withholding
from partnerships.models import Review, ReviewResult
from tests.conftest import make_user
from tests.partnerships.test_withholding_derivation import _partnership

CONFIDENTIAL, OPEN = Review.Visibility.CONFIDENTIAL, Review.Visibility.OPEN


def _shaped(result):
    """A result as result_data shapes it, with today's bands."""
    return results.result_banded(results.result_data(result), rag=result.rag)


@pytest.mark.parametrize("mode", [CONFIDENTIAL, OPEN])
@pytest.mark.parametrize("size", [2, 3, 6, 12])
def test_the_stored_data_is_the_stored_figures_shaped(framework, size, mode):
    _, review, *_ = _partnership(size, mode, seed=size * 100 + (mode == OPEN))
    row = ReviewResult.objects.get(review=review)
    stored = results.stored_result(review)
    assert orjson.loads(row.data) == _shaped(stored)
    if mode == CONFIDENTIAL:
        assert orjson.loads(row.data_for_partners) == _shaped(withholding.for_partners(stored))
    else:
        assert row.data_for_partners == ""
    assert row.banded_with == scoring.bands_key()


@pytest.mark.parametrize("mode", [CONFIDENTIAL, OPEN])
def test_each_reader_gets_what_the_withholding_rule_gives_them(framework, ada, mode):
    _, review, organisations, commissioner, editor, viewer = _partnership(6, mode, seed=7)
    outsider = make_user("outsider@charity.example", organisations[-1])
    stored = results.stored_result(review)
    for reader in (commissioner, editor, viewer, outsider, ada):
        listed = results.listed_results([review.pk], user=reader)[review.pk]
        seen = withholding.withhold(stored, user=reader)
        assert orjson.loads(listed) == _shaped(seen)
        assert seen.hidden is (mode == CONFIDENTIAL and not reader.is_staff)


@pytest.mark.parametrize(("mode", "who"), [(OPEN, "editor"), (CONFIDENTIAL, "admin")])
def test_a_result_banded_under_other_thresholds_is_read_with_todays(
    framework, ada, settings, mode, who
):
    _, review, _, _, editor, _ = _partnership(6, mode, seed=11)
    reader = {"editor": editor, "admin": ada}[who]
    stored = results.stored_result(review)
    before = _shaped(stored)
    # Every figure is under 5, so every band is red now; some were not when stored.
    settings.RAG_GREEN_FROM = settings.RAG_AMBER_FROM = 5.0
    now = orjson.loads(results.listed_results([review.pk], user=reader)[review.pk])
    assert now == _shaped(stored)
    assert {p["rag"] for p in now["principles"] if p["score"] is not None} == {"red"}
    assert now != before
    # manage.py rescore stores it again with today's bands, and only once; its bands have
    # changed, which updated_since shows.
    changed = Review.objects.get(pk=review.pk).updated_at
    call_command("rescore")
    assert Review.objects.get(pk=review.pk).updated_at > changed
    row = ReviewResult.objects.get(review=review)
    assert row.banded_with == scoring.bands_key() == "5.0/5.0"
    assert orjson.loads(row.data) == now
    assert results.closed_reviews_store() == 0


def test_rescore_fills_a_missing_copy_from_the_stored_figures(framework, settings):
    _, review, _, _, editor, _ = _partnership(6, CONFIDENTIAL, seed=13)
    stored = results.stored_result(review)
    changed = Review.objects.get(pk=review.pk).updated_at
    ReviewResult.objects.filter(review=review).update(data="", data_for_partners="")
    with pytest.raises(results.NotStored, match="rescore"):
        results.listed_results([review.pk], user=editor)
    # Decided again from the ratings with one organisation a side enough, every figure of
    # this review would be shown: the copy keeps what was decided when it closed.
    settings.MIN_ORGANISATIONS_PER_SHOWN_SIDE = 1
    assert results.closed_reviews_store() == 1
    row = ReviewResult.objects.get(review=review)
    assert results.stored_result(review) == stored and row.min_per_side == stored.min_per_side
    assert orjson.loads(row.data_for_partners) == _shaped(withholding.for_partners(stored))
    assert any(p["score"] is None for p in orjson.loads(row.data_for_partners)["principles"])
    # The answer is as it was: nothing for updated_since to show.
    assert Review.objects.get(pk=review.pk).updated_at == changed
    assert results.closed_reviews_store() == 0
