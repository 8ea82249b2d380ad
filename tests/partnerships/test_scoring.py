"""The scoring rules of docs/scoring.md, worked by hand, and properties that must hold for any
answers.

Pure functions: no database.
"""

import ast
import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from partnerships import scoring
from partnerships.scoring import (
    AMBER,
    GREEN,
    LOCAL_GOVERNMENT,
    NHS,
    OTHER,
    RED,
    SIGNIFICANT,
    VCSE,
    WATCH,
    OrganisationAnswers,
    gap_flag_for,
    rag_for,
    score_review,
    suggested_actions,
    trend,
)

FOUR = {1: 4}
SEVEN = dict.fromkeys(range(1, 8), 4)
NAMES = {
    1: "Sustainability",
    2: "Transparency",
    3: "Joint Vision",
    4: "Joint Capability",
    5: "Proportionality",
    6: "Innovation and improvement",
    7: "Accountability and governance",
}
THRESHOLDS = {}  # the default thresholds: green from 4.0, amber from 3.0


def org(organisation_id, side, answers, name=None):
    return OrganisationAnswers(organisation_id, name or f"Org {organisation_id}", side, answers)


def flat(score, count=4):
    """Every statement rated the same."""
    return [score] * count


def score_one(organisations, statements=FOUR, **kwargs):
    """Score a single principle."""
    return score_review(organisations, statements, **THRESHOLDS, **kwargs).principle(1)


def seven(scores_by_principle, side=NHS):
    """One organisation rating each principle flat, so principle n scores scores_by_principle[n]."""
    return org("a", side, {n: flat(score) for n, score in scores_by_principle.items()})


# 1. Statement ratings → organisation score


def test_an_organisation_score_is_the_mean_of_its_answered_statements():
    result = score_one([org("a", VCSE, {1: [4, 5, None, 3]})])

    (organisation,) = result.organisations
    assert organisation.score == 4.0
    assert (organisation.scored, organisation.dont_know) == (3, 1)


def test_dont_know_answers_are_not_counted_as_scores():
    result = score_one([org("a", VCSE, {1: [5, None, None, 4]})])

    assert result.organisations[0].score == 4.5


def test_two_of_four_statements_scored_is_sufficient():
    result = score_one([org("a", VCSE, {1: [2, 3, None, None]})])

    assert result.organisations[0].score == 2.5
    assert not result.organisations[0].insufficient


def test_one_of_four_statements_scored_is_insufficient():
    result = score_one([org("a", VCSE, {1: [5, None, None, None]})])

    assert result.organisations[0].insufficient
    assert result.organisations[0].score is None
    assert result.score is None


def test_unanswered_statements_count_against_sufficiency_too():
    result = score_one([org("a", VCSE, {1: [5]}), org("b", NHS, {})])

    assert [o.score for o in result.organisations] == [None, None]


def test_with_three_statements_two_scored_are_needed():
    result = score_one(
        [org("a", VCSE, {1: [4, 2, None]}), org("b", NHS, {1: [4, None, None]})], {1: 3}
    )

    assert [(o.organisation_id, o.score) for o in result.organisations] == [("b", None), ("a", 3.0)]


# 2. Organisations → side


def test_each_organisation_counts_once_in_its_side_mean():
    big_trust = org("trust", NHS, {1: [5, 5, 5, 5]})  # mean 5
    small_icb = org("icb", NHS, {1: [1, 2, None, None]})  # mean 1.5

    result = score_one([big_trust, small_icb])

    # The mean of the two means, not (5+5+5+5+1+2)/6 = 3.83 over all ratings.
    assert result.side_means[NHS] == 3.25


def test_an_insufficient_organisation_is_left_out_of_its_side_mean():
    result = score_one([org("a", NHS, {1: flat(4)}), org("b", NHS, {1: [1, None, None, None]})])

    assert result.side_means[NHS] == 4.0


def test_a_side_without_a_scored_organisation_has_no_mean():
    result = score_one([org("a", NHS, {1: flat(4)})])

    assert result.side_means == {NHS: 4.0, LOCAL_GOVERNMENT: None, VCSE: None}


def test_other_organisations_are_shown_but_join_no_side():
    result = score_one(
        [org("a", NHS, {1: flat(4)}), org("b", VCSE, {1: flat(2)}), org("c", OTHER, {1: flat(1)})]
    )

    assert result.side_means == {NHS: 4.0, LOCAL_GOVERNMENT: None, VCSE: 2.0}
    assert result.score == 3.0
    assert [(o.side, o.score) for o in result.organisations] == [
        (NHS, 4.0),
        (VCSE, 2.0),
        (OTHER, 1.0),
    ]


def test_organisations_are_listed_by_side_then_name():
    result = score_one(
        [
            org(1, OTHER, {}, "Zed Housing"),
            org(2, VCSE, {}, "Riverside Mind"),
            org(3, VCSE, {}, "age concern"),
            org(4, LOCAL_GOVERNMENT, {}, "Valley Council"),
            org(5, NHS, {}, "North Valley ICB"),
        ]
    )

    assert [o.name for o in result.organisations] == [
        "North Valley ICB",
        "Valley Council",
        "age concern",
        "Riverside Mind",
        "Zed Housing",
    ]


# 3. Sides → partnership


def test_each_side_counts_once_in_the_partnership_score():
    trusts = [org(i, NHS, {1: flat(5)}) for i in range(3)]
    council = org("council", LOCAL_GOVERNMENT, {1: flat(3)})
    charity = org("charity", VCSE, {1: flat(2)})

    result = score_one([*trusts, council, charity])

    # (5 + 3 + 2) / 3, not (5+5+5+3+2) / 5 = 4 over organisations.
    assert result.score == Decimal("3.333333333333")


def test_a_partnership_with_no_scored_side_has_no_score():
    result = score_one([org("a", OTHER, {1: flat(4)}), org("b", VCSE, {1: [4]})])

    assert (result.score, result.rag) == (None, None)


# 4. Index


def test_the_index_maps_the_mean_principle_score_onto_0_to_100():
    scores = {1: 5, 2: 4, 3: 4, 4: 3, 5: 3, 6: 2, 7: 4}  # mean 25/7

    result = score_review([seven(scores)], SEVEN, **THRESHOLDS)

    assert result.score == Decimal("3.571428571428")  # 25/7, cut to twelve places
    assert result.index == Decimal("64.285714285714")  # (25/7 − 1) / 4 × 100
    assert result.index_missing == ()


@pytest.mark.parametrize(("score", "index"), [(1, 0.0), (3, 50.0), (5, 100.0)])
def test_the_index_runs_from_0_at_all_ones_to_100_at_all_fives(score, index):
    result = score_review([seven(dict.fromkeys(SEVEN, score))], SEVEN, **THRESHOLDS)

    assert result.index == index


def test_the_index_leaves_out_and_names_principles_without_a_score():
    answers = {n: flat(5) for n in range(1, 7)} | {7: [1, None, None, None]}

    result = score_review([org("a", NHS, answers)], SEVEN, **THRESHOLDS)

    assert result.index == 100.0
    assert result.index_missing == (7,)


def test_the_index_is_none_when_no_principle_has_a_score():
    result = score_review([org("a", NHS, {})], SEVEN, **THRESHOLDS)

    assert (result.index, result.score, result.rag) == (None, None, None)
    assert result.index_missing == (1, 2, 3, 4, 5, 6, 7)


def test_the_index_is_stored_cut_to_twelve_places_not_rounded():
    result = score_review([seven({1: 4, 2: 4, 3: 5, 4: 4, 5: 4, 6: 4, 7: 4})], SEVEN, **THRESHOLDS)

    assert result.index == Decimal("78.571428571428")  # 550/7, cut: …5714285714285…


# 5. Red, amber, green


@pytest.mark.parametrize(
    ("score", "rag"),
    [
        (5, GREEN),
        (4.0, GREEN),
        (3.95, GREEN),  # shows as 4.0
        (3.945, GREEN),  # 3.95 in a file, so 4.0 on screen
        (3.944999, AMBER),  # 3.94 in a file, 3.9 on screen
        (3.0, AMBER),
        (2.95, AMBER),  # shows as 3.0
        (2.944999, RED),  # 2.94 in a file, 2.9 on screen
        (1, RED),
        (None, None),
    ],
)
def test_rag_thresholds_at_their_boundaries_follow_the_shown_figure(score, rag):
    assert rag_for(score, green_from=4.0, amber_from=3.0) == rag


def test_rag_thresholds_can_be_moved():
    assert rag_for(4.0, green_from=4.5, amber_from=3.5) == AMBER
    assert rag_for(3.44, green_from=4.5, amber_from=3.5) == RED
    assert rag_for(3.45, green_from=4.5, amber_from=3.5) == AMBER


def test_rag_thresholds_default_to_the_settings_at_call_time(settings):
    assert rag_for(4.2) == GREEN
    settings.RAG_GREEN_FROM = 4.5
    assert rag_for(4.2) == AMBER


def test_amber_above_green_is_refused():
    with pytest.raises(ValueError, match="amber_from"):
        rag_for(3, green_from=3.0, amber_from=4.0)


@pytest.mark.parametrize(("rating", "rag"), [(4, GREEN), (3, AMBER), (2, RED)])
def test_a_principle_is_coloured_by_its_partnership_score(rating, rag):
    assert score_one([org("a", NHS, {1: flat(rating)})]).rag == rag


def test_a_score_of_exactly_four_reached_through_means_is_green():
    # NHS (4.5 + 3.5) / 2 = 4 and VCSE 4: exactly 4, green.
    result = score_one(
        [
            org("a", NHS, {1: [5, 4, None, None]}),
            org("b", NHS, {1: [3, 4, None, None]}),
            org("c", VCSE, {1: flat(4)}),
        ]
    )

    assert (result.score, result.rag) == (4.0, GREEN)


def test_the_overall_rag_cannot_be_green_while_a_principle_is_red():
    scores = {1: 5, 2: 5, 3: 5, 4: 5, 5: 5, 6: 5, 7: 2}  # mean 4.57: green on its own

    result = score_review([seven(scores)], SEVEN, **THRESHOLDS)

    assert result.principle(7).rag == RED
    assert result.rag == AMBER


def test_the_overall_rag_is_green_when_no_principle_is_red():
    scores = {1: 5, 2: 5, 3: 5, 4: 5, 5: 5, 6: 5, 7: 3}

    assert score_review([seven(scores)], SEVEN, **THRESHOLDS).rag == GREEN


def test_the_overall_rag_follows_the_mean_when_it_is_not_green():
    red = score_review([seven(dict.fromkeys(SEVEN, 2))], SEVEN, **THRESHOLDS)
    amber = score_review([seven({1: 5, 2: 2, 3: 3, 4: 3, 5: 3, 6: 3, 7: 3})], SEVEN, **THRESHOLDS)

    assert (red.rag, amber.rag) == (RED, AMBER)


# 6. Perception gap and spread


@pytest.mark.parametrize(
    ("gap", "flag"),
    [
        (1.0, SIGNIFICANT),
        (0.9, WATCH),
        (0.5, WATCH),
        (0.4, None),
        (0.0, None),
        (-1.0, SIGNIFICANT),
        (-0.9, WATCH),
        (-0.5, WATCH),
        (-0.4, None),
        (-4.0, SIGNIFICANT),
        (None, None),
    ],
)
def test_gap_flags_of_shown_gaps_at_their_boundaries(gap, flag):
    assert gap_flag_for(gap) == flag


def test_the_gap_is_the_nhs_side_mean_minus_the_vcse_side_mean():
    result = score_one(
        [
            org("icb", NHS, {1: flat(5)}),
            org("trust", NHS, {1: flat(4)}),  # NHS side 4.5
            org("council", LOCAL_GOVERNMENT, {1: flat(1)}),  # no part in the gap
            org("charity", VCSE, {1: [3, 3, 4, 3]}),  # VCSE side 3.25
        ]
    )

    assert result.gap == 1.25
    assert (result.gap_flag, result.gap_reason) == (SIGNIFICANT, None)


def test_the_gap_is_negative_when_the_vcse_side_rates_higher():
    result = score_one([org("icb", NHS, {1: flat(3)}), org("charity", VCSE, {1: [4, 3, 4, 3]})])

    assert result.gap == -0.5
    assert result.gap_flag == WATCH


def test_a_gap_of_exactly_one_point_is_significant_however_it_is_reached():
    # 3.3 − 2.3 is 0.9999999999999998 in floating point; the ratings make it exactly 1.
    result = score_one(
        [org("icb", NHS, {1: [3] * 7 + [4] * 3}), org("charity", VCSE, {1: [2] * 7 + [3] * 3})],
        {1: 10},
    )

    assert result.gap_flag == SIGNIFICANT
    assert result.gap == pytest.approx(1.0)


def test_no_gap_without_an_nhs_partner():
    result = score_one(
        [org("council", LOCAL_GOVERNMENT, {1: flat(2)}), org("c", VCSE, {1: flat(5)})]
    )

    assert (result.gap, result.gap_flag) == (None, None)
    assert result.gap_reason == "No NHS partner has a score for this principle"


def test_no_gap_without_a_vcse_partner():
    result = score_one([org("icb", NHS, {1: flat(5)}), org("c", OTHER, {1: flat(1)})])

    assert result.gap is None
    assert result.gap_reason == "No VCSE partner has a score for this principle"


def test_no_gap_when_the_nhs_partner_scored_too_few_statements():
    result = score_one([org("icb", NHS, {1: [1, None, None, None]}), org("c", VCSE, {1: flat(5)})])

    assert result.gap is None
    assert result.gap_reason == "No NHS partner has a score for this principle"


def test_no_gap_when_neither_side_has_a_score():
    result = score_one([org("council", LOCAL_GOVERNMENT, {1: flat(2)})])

    assert result.gap_reason == "Neither an NHS nor a VCSE partner has a score for this principle"


def test_the_spread_runs_from_the_lowest_to_the_highest_organisation_score():
    result = score_one(
        [
            org("icb", NHS, {1: [5, 4, None, None]}),  # 4.5
            org("charity", VCSE, {1: flat(3)}),
            org("housing", OTHER, {1: flat(2)}),  # counts: it is one of the partners
            org("trust", NHS, {1: [1, None, None, None]}),  # insufficient: left out
        ]
    )

    assert result.spread == 2.5


def test_a_single_scored_organisation_has_no_spread():
    assert score_one([org("icb", NHS, {1: flat(5)})]).spread is None


# 7. Trend


def _review(scores, version="ACEVO Working in Partnership (2014)"):
    return score_review(
        [seven(scores)], SEVEN, principle_names=NAMES, framework_version=version, **THRESHOLDS
    )


def test_a_trend_gives_each_principle_a_series_in_the_order_given():
    first = _review(dict.fromkeys(SEVEN, 2))
    second = _review(dict.fromkeys(SEVEN, 3) | {2: 5})
    march, april = datetime.date(2025, 3, 31), datetime.date(2026, 4, 1)

    result = trend([(march, first), (april, second)])

    assert result.labels == (march, april)
    assert result.index == (25, Decimal("57.142857142857"))
    assert result.rag == (RED, AMBER)
    transparency = result.principles[1]
    assert (transparency.number, transparency.name) == (2, "Transparency")
    assert transparency.scores == (2.0, 5.0)
    assert [point.result.rag for point in transparency.points] == [RED, GREEN]
    assert result.principles[0].scores == (2.0, 3.0)


def test_a_trend_of_no_reviews_is_empty():
    assert trend([]).principles == ()


def test_a_trend_refuses_to_mix_framework_versions():
    with pytest.raises(ValueError, match="different framework versions"):
        trend([("2024", _review(SEVEN, "ACEVO (2014)")), ("2025", _review(SEVEN, "ACEVO (2026)"))])


def test_a_trend_needs_the_framework_version():
    with pytest.raises(ValueError, match="framework_version"):
        trend([("2024", _review(SEVEN)), ("2025", _review(SEVEN, None))])


def test_a_trend_refuses_reviews_of_different_principles():
    other = score_review(
        [org("a", NHS, {1: flat(4)})], FOUR, framework_version=_review(SEVEN).framework_version
    )
    with pytest.raises(ValueError, match="different principles"):
        trend([("2024", _review(SEVEN)), ("2025", other)])


# Suggested actions


def test_suggestions_name_the_biggest_significant_gaps_first_then_red_principles():
    organisations = [
        org(
            "icb",
            NHS,
            {
                1: flat(2),
                2: [5, 5, 5, 4],
                3: flat(4),
                4: flat(2),
                5: flat(4),
                6: flat(1),
                7: flat(4),
            },
        ),
        org(
            "charity",
            VCSE,
            {
                1: flat(2),
                2: [3, 3, 3, 3],
                3: flat(5),
                4: flat(2),
                5: flat(2),
                6: flat(1),
                7: flat(4),
            },
        ),
    ]
    result = score_review(organisations, SEVEN, principle_names=NAMES, **THRESHOLDS)

    assert [s.text for s in suggested_actions(result, limit=10)] == [
        "Proportionality: the NHS side rates it 2.0 points higher than the VCSE side. "
        "Talk together about why.",
        "Transparency: the NHS side rates it 1.8 points higher than the VCSE side. "
        "Talk together about why.",
        "Joint Vision: the VCSE side rates it 1.0 points higher than the NHS side. "
        "Talk together about why.",
        "Innovation and improvement: rated 1.0 out of 5 overall, which is red. "
        "Agree one action together to improve it.",
        "Sustainability: rated 2.0 out of 5 overall, which is red. "
        "Agree one action together to improve it.",
        "Joint Capability: rated 2.0 out of 5 overall, which is red. "
        "Agree one action together to improve it.",
    ]
    assert len(suggested_actions(result)) == 3
    # Each is offered as a plain action: what will be done, not a talking point.
    assert [s.action for s in suggested_actions(result, limit=10)][::3] == [
        "Proportionality: hold a meeting of the NHS and VCSE partners to find out why the NHS "
        "side rates it 2.0 points higher, and agree one change.",
        "Innovation and improvement: agree and make one change that raises it from 1.0 out of "
        "5 by the next review.",
    ]
    assert [s.principle_number for s in suggested_actions(result, limit=10)] == [5, 2, 3, 6, 1, 4]


def test_a_red_principle_with_a_significant_gap_is_suggested_once():
    organisations = [org("icb", NHS, {1: flat(3)}), org("charity", VCSE, {1: flat(1)})]
    result = score_review(organisations, FOUR, principle_names=NAMES, **THRESHOLDS)

    assert result.principle(1).rag == RED
    assert [s.text for s in suggested_actions(result)] == [
        "Sustainability: the NHS side rates it 2.0 points higher than the VCSE side. "
        "Talk together about why."
    ]


def test_a_red_score_is_rounded_down_so_it_never_reads_as_amber():
    # NHS 3, VCSE (3+3+3+2)/4 = 2.75, local government 3: (3 + 2.75 + 3) / 3 = 2.9166…
    result = score_review(
        [
            org("icb", NHS, {1: flat(3)}),
            org("charity", VCSE, {1: [3, 3, 3, 2]}),
            org("council", LOCAL_GOVERNMENT, {1: flat(3)}),
        ],
        FOUR,
        principle_names=NAMES,
        **THRESHOLDS,
    )

    assert [s.text for s in suggested_actions(result)] == [
        "Sustainability: rated 2.9 out of 5 overall, which is red. "
        "Agree one action together to improve it."
    ]


def test_no_suggestions_for_a_healthy_partnership_or_a_gap_to_watch():
    organisations = [org("icb", NHS, {1: flat(5)}), org("charity", VCSE, {1: [5, 4, 4, 4]})]
    result = score_review(organisations, FOUR, **THRESHOLDS)

    assert result.principle(1).gap_flag == WATCH
    assert [s.text for s in suggested_actions(result)] == []


# Inputs


@pytest.mark.parametrize(
    ("organisations", "message"),
    [
        ([org("a", NHS, {1: [6]})], "not 1–5"),
        ([org("a", NHS, {1: [0]})], "not 1–5"),
        ([org("a", NHS, {1: [True]})], "not 1–5"),
        ([org("a", NHS, {1: [4.5]})], "not 1–5"),
        ([org("a", NHS, {}), org("a", VCSE, {})], "listed twice"),
        ([org("a", "nhs trust", {})], "unknown side"),
        ([org("a", NHS, {2: [4]})], "principle 2"),
        ([org("a", NHS, {1: [4, 4, 4, 4, 4]})], "more answers"),
    ],
)
def test_it_refuses_answers_that_cannot_be_scored(organisations, message):
    with pytest.raises(ValueError, match=message):
        score_review(organisations, FOUR, **THRESHOLDS)


def test_its_side_and_rag_values_are_the_models():
    from organisations.models import Side
    from partnerships.models import RAG

    assert (Side.NHS, Side.LOCAL_GOVERNMENT, Side.VCSE, Side.OTHER) == (
        NHS,
        LOCAL_GOVERNMENT,
        VCSE,
        OTHER,
    )
    assert (RAG.RED, RAG.AMBER, RAG.GREEN) == (RED, AMBER, GREEN)


def test_it_accepts_the_models_side_values():
    from organisations.models import Side

    result = score_one([org("a", Side.NHS, {1: flat(4)}), org("b", Side.VCSE, {1: flat(2)})])

    assert result.gap == 2.0


# Properties

ratings = st.lists(st.one_of(st.none(), st.integers(1, 5)), max_size=4)
answer_sets = st.dictionaries(st.integers(1, 7), ratings)
sides = st.sampled_from([NHS, LOCAL_GOVERNMENT, VCSE, OTHER])
organisation_lists = st.lists(st.tuples(sides, answer_sets), max_size=8).map(
    lambda rows: [org(i, side, answers) for i, (side, answers) in enumerate(rows)]
)


def _without_organisations(result):
    """What a review shows apart from the list of organisations and the spread."""
    return [(p.side_means, p.score, p.rag, p.gap, p.gap_flag) for p in result.principles] + [
        (result.score, result.index, result.index_missing, result.rag)
    ]


@given(organisation_lists)
def test_every_score_stays_on_the_scale(organisations):
    result = score_review(organisations, SEVEN, **THRESHOLDS)

    for principle in result.principles:
        values = [o.score for o in principle.organisations]
        values += [*principle.side_means.values(), principle.score]
        assert all(1 <= value <= 5 for value in values if value is not None)
        assert principle.gap is None or -4 <= principle.gap <= 4
        assert principle.spread is None or 0 <= principle.spread <= 4
    assert result.index is None or 0 <= result.index <= 100
    assert result.score is None or 1 <= result.score <= 5


@given(organisation_lists, sides)
def test_cloning_a_sides_organisations_changes_no_mean(organisations, side):
    # The clones are new organisations that repeat their side's answers exactly. (Adding a
    # clone of only one of several organisations would rightly move the mean: it counts once.)
    clones = [
        org(f"clone-{o.organisation_id}", o.side, o.answers)
        for o in organisations
        if o.side == side
    ]

    before = score_review(organisations, SEVEN, **THRESHOLDS)
    after = score_review(organisations + clones, SEVEN, **THRESHOLDS)

    assert _without_organisations(after) == _without_organisations(before)


@given(st.tuples(sides, answer_sets))
def test_a_clone_of_the_only_organisation_on_a_side_changes_nothing(row):
    side, answers = row
    alone = [org("a", side, answers)]

    before = score_review(alone, SEVEN, **THRESHOLDS)
    after = score_review([*alone, org("b", side, answers)], SEVEN, **THRESHOLDS)

    assert _without_organisations(after) == _without_organisations(before)


@given(st.data(), organisation_lists)
def test_the_order_of_organisations_changes_nothing(data, organisations):
    shuffled = data.draw(st.permutations(organisations))

    assert score_review(shuffled, SEVEN, **THRESHOLDS) == score_review(
        organisations, SEVEN, **THRESHOLDS
    )


def test_the_module_imports_no_models():
    tree = ast.parse(Path(scoring.__file__).read_text())
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]

    assert not [m for m in imported if m.startswith("django.db") or m.endswith("models")]


# 8. How figures read: one display rule for every page and file


@pytest.mark.parametrize(
    ("value", "places", "reads"),
    [
        (4.25, 1, "4.3"),  # half up, not to even
        (3.75, 1, "3.8"),
        (3.96, 1, "4.0"),
        (Decimal("2.444999999999"), 1, "2.4"),
        (-0.45, 1, "-0.5"),  # a gap rounds away from zero, the same either way
        (3.125, 2, "3.13"),
        (None, 1, None),
    ],
)
def test_figures_are_shown_rounded_half_up(value, places, reads):
    shown = scoring.shown(value, places)
    assert (None if shown is None else str(shown)) == reads


def test_the_index_is_shown_as_a_whole_number_rounded_half_up():
    assert str(scoring.shown_index(62.5)) == "63"
    assert str(scoring.shown_index(Decimal("62.444999999999"))) == "62"


def test_the_shown_gap_is_the_shown_nhs_side_minus_the_shown_vcse_side():
    # 4.24 − 2.46 = 1.78 would read 1.8, but the row shows 4.2 and 2.5: its gap reads 1.7.
    assert str(scoring.shown_gap(4.24, 2.46)) == "1.7"
    assert str(scoring.shown_gap(4.24, 2.46, scoring.FILE)) == "1.78"
    assert scoring.shown_gap(None, 2.46) is None


def test_a_gap_flag_follows_the_gap_as_shown():
    # Sides 4.05 and 3.64 show as 4.1 and 3.6: a gap of +0.5, to watch, though 0.41 exactly.
    result = score_one(
        [org("icb", NHS, {1: [4] * 19 + [5]}), org("charity", VCSE, {1: [4] * 16 + [2] * 4})],
        statements={1: 20},
    )
    assert (result.side_means[NHS], result.side_means[VCSE]) == (Decimal("4.05"), Decimal("3.6"))
    assert str(result.shown_gap) == "0.5" and result.gap_flag == WATCH


def test_a_score_that_reads_four_is_green():
    # 79/20 = 3.95: shown as 4.0, so green, as the legend says of 4.0.
    result = score_one([org("icb", NHS, {1: [4] * 19 + [3]})], statements={1: 20})
    assert result.score == Decimal("3.95")
    assert (str(scoring.shown(result.score)), result.rag) == ("4.0", GREEN)


def _half_up(exact: Fraction, places: int) -> Fraction:
    size = abs(exact) * 10**places
    whole = int(size) + (1 if size - int(size) >= Fraction(1, 2) else 0)
    return Fraction(whole if exact >= 0 else -whole, 10**places)


@given(
    st.fractions(min_value=-5, max_value=100, max_denominator=10**15),
    st.sampled_from([0, 1, 2]),
)
@example(Fraction(39_499_999_999_999, 10**13), 2)  # a hair below 3.95: reads 3.94, not 3.95
@example(Fraction(-4_499_999_999_999, 10**14), 2)  # a gap a hair above −0.045: reads −0.04
@example(Fraction(125, 2), 0)  # an index of 62.5 reads 63
def test_a_stored_figure_rounds_as_its_exact_value_would(exact, places):
    """Cut to twelve places, a figure shows as the exact fraction would: rounded half up to
    two places, then one place at a time down to the places shown."""
    expected = _half_up(exact, 2)
    for step in range(1, places - 1, -1):
        expected = _half_up(expected, step)
    assert scoring.shown(scoring._cut(exact), places) == Decimal(expected.numerator) / Decimal(
        expected.denominator
    )


def test_a_page_figure_is_the_rounding_of_the_files():
    # 3.948 is 3.95 in a file, so 4.0 (green) on a page: never 3.9 beside a file's 3.95.
    assert str(scoring.shown(Decimal("3.948"), scoring.FILE)) == "3.95"
    assert str(scoring.shown(Decimal("3.948"))) == "4.0"
    assert scoring.rag_for(Decimal("3.948")) == GREEN
    # An index of 62.46 is 62.5 in a file and so 63 on a page.
    assert (str(scoring.shown_index(62.46, 1)), str(scoring.shown_index(62.46))) == ("62.5", "63")


@given(st.decimals(min_value=1, max_value=5, places=4), st.sampled_from([3.0, 3.5, 4.0, 4.5]))
@example(Decimal("3.945"), 4.0)
@example(Decimal("3.9449"), 4.0)
def test_the_band_floor_is_where_the_shown_figure_reaches_the_threshold(score, threshold):
    shows_at_or_above = scoring.shown(score) >= Decimal(repr(threshold))
    assert (score >= scoring.band_floor(threshold)) == shows_at_or_above
