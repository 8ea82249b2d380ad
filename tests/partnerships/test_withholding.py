"""The withholding rule: what a confidential review's partners may not see
(docs/permissions.md, "Who sees whose answers"), worked by hand."""

from partnerships import scoring
from partnerships.scoring import NHS, VCSE, OrganisationAnswers, score_review

LG = scoring.LOCAL_GOVERNMENT
STATEMENTS = {1: 2, 2: 2}


def _result(*organisations):
    answers = [
        OrganisationAnswers(f"{side}-{i}", f"{side} {i}", side, scores)
        for i, (side, scores) in enumerate(organisations)
    ]
    return score_review(answers, STATEMENTS, framework_version="F 1")


def _everyone(side, count, score=4):
    return [(side, {1: [score, score], 2: [score, score]})] * count


def test_three_sides_large_enough_withhold_only_the_spread():
    result = _result(*_everyone(NHS, 3), *_everyone(LG, 3, 3), *_everyone(VCSE, 3, 2))
    marked = scoring.withheld_figures(result, 3)
    assert all(p.withheld == {"spread"} for p in marked.principles)
    assert marked.withheld == frozenset()
    assert marked.min_per_side == 3


def test_with_two_sides_a_small_side_takes_the_score_and_the_other_side_with_it():
    result = _result(*_everyone(NHS, 3), *_everyone(VCSE, 2, 2))
    marked = scoring.withheld_figures(result, 3)
    for p in marked.principles:
        assert p.withheld == {"spread", "score", NHS, VCSE, "gap"}
    assert marked.withheld == {"score"}
    assert marked.small_sides == (VCSE,)


def test_with_three_sides_the_score_and_gap_go_but_the_others_stay():
    result = _result(*_everyone(NHS, 3), *_everyone(LG, 3), *_everyone(VCSE, 1, 2))
    p = scoring.withheld_figures(result, 3).principles[0]
    assert p.withheld == {"spread", "score", VCSE, "gap"}


def test_a_side_that_scored_a_principle_too_thinly_is_withheld_there_only():
    # Three VCSE partners submitted; on principle 2 one answered "Don't know" throughout.
    thin = [(VCSE, {1: [3, 3], 2: [None, None]})]
    result = _result(*_everyone(NHS, 3), *_everyone(LG, 3), *_everyone(VCSE, 2, 2), *thin)
    marked = scoring.withheld_figures(result, 3)
    assert marked.principle(1).withheld == {"spread"}
    assert marked.principle(2).withheld == {"spread", "score", VCSE, "gap"}
    assert marked.withheld == {"score"}
