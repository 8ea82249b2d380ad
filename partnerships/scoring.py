"""Partnership scores: from statement ratings to principle scores, the index, RAG, gaps and trends.

Pure functions over plain data (DESIGN.md, "Scoring"), so the results page, exports and PDFs
show the same numbers. Callers load the ratings of submitted assessments and pass them in;
nothing here touches the database.

Arithmetic is exact (fractions of whole-number ratings) until a result is built. Results hold
unrounded floats and callers round for display. RAG colours and gap flags are decided on the
exact values, so 3.995 is amber even where a page shows it as "4.0".
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction

from django.conf import settings

# The values of organisations.models.Side and partnerships.models.RAG, repeated here so that
# this module needs no models; a test keeps them in step.
NHS, LOCAL_GOVERNMENT, VCSE, OTHER = "nhs", "local_government", "vcse", "other"
SIDES = (NHS, LOCAL_GOVERNMENT, VCSE)
RED, AMBER, GREEN = "red", "amber", "green"

SIGNIFICANT, WATCH = "significant", "watch"
GAP_SIGNIFICANT_FROM = Fraction(1)
GAP_WATCH_FROM = Fraction(1, 2)

_SIDE_ORDER = (*SIDES, OTHER)
_SIDE_NAMES = {NHS: "NHS", LOCAL_GOVERNMENT: "local government", VCSE: "VCSE"}


@dataclass(frozen=True)
class OrganisationAnswers:
    """One organisation's submitted ratings: principle number → a score 1–5 or None per statement.

    None is "Don't know". Statements left out count as unanswered.
    """

    organisation_id: Hashable
    name: str
    side: str
    answers: Mapping[int, Sequence[int | None]]


@dataclass(frozen=True)
class OrganisationScore:
    organisation_id: Hashable
    name: str
    side: str
    score: float | None  # None: too few statements scored
    scored: int  # statements with a score 1–5
    dont_know: int
    statements: int

    @property
    def insufficient(self) -> bool:
        return self.score is None


@dataclass(frozen=True)
class PrincipleResult:
    number: int
    name: str
    organisations: tuple[OrganisationScore, ...]  # by side (NHS first), then name
    side_means: dict[str, float | None]  # keyed by NHS, LOCAL_GOVERNMENT, VCSE
    score: float | None  # the partnership's score, 1–5
    rag: str | None
    gap: float | None  # NHS-side mean − VCSE-side mean
    gap_flag: str | None  # SIGNIFICANT, WATCH or None
    gap_reason: str | None  # why there is no gap, when there is none
    spread: float | None  # highest − lowest organisation score


@dataclass(frozen=True)
class ReviewResult:
    principles: tuple[PrincipleResult, ...]  # by number
    score: float | None  # mean of the principle scores present, 1–5
    index: float | None  # 0–100
    index_missing: tuple[int, ...]  # principles left out of the index: no partnership score
    rag: str | None
    framework_version: str | None = None

    def principle(self, number: int) -> PrincipleResult:
        return next(p for p in self.principles if p.number == number)


@dataclass(frozen=True)
class TrendPoint:
    label: object  # the review's label or date, as the caller gave it
    result: PrincipleResult


@dataclass(frozen=True)
class PrincipleTrend:
    number: int
    name: str
    points: tuple[TrendPoint, ...]

    @property
    def scores(self) -> tuple[float | None, ...]:
        return tuple(point.result.score for point in self.points)


@dataclass(frozen=True)
class Trend:
    framework_version: str | None
    labels: tuple[object, ...]
    index: tuple[float | None, ...]
    rag: tuple[str | None, ...]
    principles: tuple[PrincipleTrend, ...]


def rag_for(
    score: float | Fraction | None,
    *,
    green_from: float | None = None,
    amber_from: float | None = None,
) -> str | None:
    """Green at or above green_from, amber at or above amber_from, otherwise red.

    Thresholds default to settings.RAG_GREEN_FROM and RAG_AMBER_FROM, read at call time.
    """
    green, amber = _thresholds(green_from, amber_from)
    return _rag(_exact(score), green, amber)


def gap_flag_for(gap: float | Fraction | None) -> str | None:
    """SIGNIFICANT when the sides differ by a point or more, WATCH from half a point."""
    if gap is None:
        return None
    size = abs(_exact(gap))
    if size >= GAP_SIGNIFICANT_FROM:
        return SIGNIFICANT
    if size >= GAP_WATCH_FROM:
        return WATCH
    return None


def score_review(
    organisations: Iterable[OrganisationAnswers],
    statements_per_principle: Mapping[int, int],
    *,
    principle_names: Mapping[int, str] | None = None,
    green_from: float | None = None,
    amber_from: float | None = None,
    framework_version: str | None = None,
) -> ReviewResult:
    """Score one review from the answers of the organisations that submitted.

    An organisation's principle score is the mean of its scored statements, and is
    insufficient (None) when fewer than half of the principle's statements have a score:
    "Don't know" and unanswered statements do not count towards the half.

    Each side's mean is the mean of its organisations' scores, so every organisation counts
    once whatever its size; the partnership's score is the mean of the side means present.
    Organisations of side OTHER are listed and count towards the spread, but join no side
    mean and so not the partnership score: the score balances sectors, and an organisation
    of no known sector can neither be put on a side nor be allowed to weigh as much as a
    whole side on its own.

    The index is computed over the principles that have a partnership score, and
    index_missing names the rest (the index is None only when all are missing). One principle
    where too few partners could answer should not blank the headline figure of the whole
    review, but an index over fewer principles is not the same measure, so pages and exports
    must show index_missing beside it.

    The overall RAG applies the thresholds to the mean of the principle scores present, and
    then the weakest link: it is never green while any principle is red.

    framework_version identifies the framework and its version (e.g. str(framework)); trend()
    needs it to refuse to compare reviews scored against different versions.
    """
    green, amber = _thresholds(green_from, amber_from)
    organisations = list(organisations)
    _check(organisations, statements_per_principle)
    names = principle_names or {}

    scored = [
        _score_principle(
            number,
            names.get(number, f"Principle {number}"),
            statements,
            organisations,
            green,
            amber,
        )
        for number, statements in sorted(statements_per_principle.items())
    ]
    principles = tuple(result for result, _ in scored)
    present = [exact for _, exact in scored if exact is not None]
    missing = tuple(result.number for result, exact in scored if exact is None)

    if not present:
        return ReviewResult(principles, None, None, missing, None, framework_version)
    mean = _mean(present)
    rag = _rag(mean, green, amber)
    if rag == GREEN and any(p.rag == RED for p in principles):
        rag = AMBER
    index = (mean - 1) / 4 * 100
    return ReviewResult(principles, float(mean), float(index), missing, rag, framework_version)


def trend(reviews: Iterable[tuple[object, ReviewResult]]) -> Trend:
    """Series per principle across closed reviews of one partnership, in the order given.

    Reviews scored against different frameworks or versions are not comparable: raises
    ValueError rather than draw a line through them.
    """
    reviews = list(reviews)
    if not reviews:
        return Trend(None, (), (), (), ())
    versions = {result.framework_version for _, result in reviews}
    if None in versions:
        raise ValueError("Every review needs its framework_version to be compared over time.")
    if len(versions) > 1:
        raise ValueError(
            "Reviews scored against different framework versions cannot be compared: "
            + ", ".join(sorted(versions))
            + "."
        )
    numbers = {tuple(p.number for p in result.principles) for _, result in reviews}
    if len(numbers) > 1:
        raise ValueError("The reviews score different principles, so cannot be compared.")

    first = reviews[0][1]
    principles = tuple(
        PrincipleTrend(
            number=p.number,
            name=p.name,
            points=tuple(TrendPoint(label, result.principles[i]) for label, result in reviews),
        )
        for i, p in enumerate(first.principles)
    )
    return Trend(
        framework_version=first.framework_version,
        labels=tuple(label for label, _ in reviews),
        index=tuple(result.index for _, result in reviews),
        rag=tuple(result.rag for _, result in reviews),
        principles=principles,
    )


@dataclass(frozen=True)
class Suggestion:
    principle_number: int
    text: str


def suggested_actions(result: ReviewResult, limit: int = 3) -> list[Suggestion]:
    """Short suggestions for the results page: significant gaps, biggest first, then red
    principles, lowest first; one suggestion per principle.

    Gaps come first because a difference of view is what partners most need to talk about
    before agreeing actions on a weak principle.
    """
    gaps = sorted(
        (p for p in result.principles if p.gap_flag == SIGNIFICANT),
        key=lambda p: (-abs(p.gap), p.number),
    )
    suggestions = [Suggestion(p.number, _gap_suggestion(p)) for p in gaps]
    gap_numbers = {p.number for p in gaps}
    reds = sorted(
        (p for p in result.principles if p.rag == RED and p.number not in gap_numbers),
        key=lambda p: (p.score, p.number),
    )
    suggestions += [
        Suggestion(
            p.number,
            f"{p.name}: rated {_floor_one_place(p.score)} out of 5 overall, which is red. "
            "Agree one action together to improve it.",
        )
        for p in reds
    ]
    return suggestions[:limit]


def _score_principle(number, name, statements, organisations, green, amber):
    by_organisation = [
        (organisation, _organisation_score(organisation.answers.get(number, ()), statements))
        for organisation in organisations
    ]
    by_organisation.sort(
        key=lambda pair: (
            _SIDE_ORDER.index(pair[0].side),
            pair[0].name.casefold(),
            str(pair[0].organisation_id),
        )
    )
    side_means = {
        side: _mean([s for o, s in by_organisation if o.side == side and s is not None])
        for side in SIDES
    }
    score = _mean([m for m in side_means.values() if m is not None])
    nhs, vcse = side_means[NHS], side_means[VCSE]
    gap = nhs - vcse if nhs is not None and vcse is not None else None
    all_scores = [s for _, s in by_organisation if s is not None]
    spread = max(all_scores) - min(all_scores) if len(all_scores) >= 2 else None

    result = PrincipleResult(
        number=number,
        name=name,
        organisations=tuple(
            _organisation_result(o, o.answers.get(number, ()), s, statements)
            for o, s in by_organisation
        ),
        side_means={side: _float(mean) for side, mean in side_means.items()},
        score=_float(score),
        rag=_rag(score, green, amber),
        gap=_float(gap),
        gap_flag=gap_flag_for(gap),
        gap_reason=_gap_reason(nhs, vcse),
        spread=_float(spread),
    )
    return result, score


def _organisation_score(answers, statements):
    scores = [a for a in answers if a is not None]
    # Exactly half is enough: 2 of 4 scored statements give a score, 1 of 4 does not.
    if 2 * len(scores) < statements:
        return None
    return _mean(scores)


def _organisation_result(organisation, answers, score, statements):
    return OrganisationScore(
        organisation_id=organisation.organisation_id,
        name=organisation.name,
        side=organisation.side,
        score=_float(score),
        scored=sum(1 for a in answers if a is not None),
        dont_know=sum(1 for a in answers if a is None),
        statements=statements,
    )


def _gap_reason(nhs, vcse):
    if nhs is None and vcse is None:
        return "Neither an NHS nor a VCSE partner has a score for this principle"
    if nhs is None:
        return "No NHS partner has a score for this principle"
    if vcse is None:
        return "No VCSE partner has a score for this principle"
    return None


def _gap_suggestion(p):
    higher, lower = (NHS, VCSE) if p.gap > 0 else (VCSE, NHS)
    return (
        f"{p.name}: the {_SIDE_NAMES[higher]} side rates it {abs(p.gap):.1f} points higher "
        f"than the {_SIDE_NAMES[lower]} side. Talk together about why."
    )


def _floor_one_place(score):
    # Rounded down, so a red 2.96 never reads as an amber "3.0".
    return Decimal(repr(score)).quantize(Decimal("0.1"), rounding=ROUND_FLOOR)


def _rag(score, green, amber):
    if score is None:
        return None
    if score >= green:
        return GREEN
    if score >= amber:
        return AMBER
    return RED


def _thresholds(green_from, amber_from):
    green = _exact(settings.RAG_GREEN_FROM if green_from is None else green_from)
    amber = _exact(settings.RAG_AMBER_FROM if amber_from is None else amber_from)
    if amber > green:
        raise ValueError(f"amber_from ({amber_from}) is above green_from ({green_from}).")
    return green, amber


def _check(organisations, statements_per_principle):
    for number, statements in statements_per_principle.items():
        if statements < 1:
            raise ValueError(f"Principle {number} has no statements to score.")
    seen = set()
    for organisation in organisations:
        if organisation.organisation_id in seen:
            raise ValueError(f"{organisation.name} is listed twice; each organisation counts once.")
        seen.add(organisation.organisation_id)
        if organisation.side not in _SIDE_ORDER:
            raise ValueError(f"{organisation.name} has an unknown side {organisation.side!r}.")
        for number, answers in organisation.answers.items():
            if number not in statements_per_principle:
                raise ValueError(f"{organisation.name} answers principle {number}, not scored.")
            if len(answers) > statements_per_principle[number]:
                raise ValueError(
                    f"{organisation.name} has more answers than principle {number} has statements."
                )
            for answer in answers:
                valid = (
                    isinstance(answer, int) and not isinstance(answer, bool) and 1 <= answer <= 5
                )
                if answer is not None and not valid:
                    raise ValueError(f"{organisation.name} has a rating {answer!r}, not 1–5.")


def _exact(value):
    if value is None:
        return None
    # A float threshold means the decimal that was written: 3.99 is 399/100.
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def _mean(values):
    return sum(values, Fraction(0)) / len(values) if values else None


def _float(value):
    return None if value is None else float(value)
