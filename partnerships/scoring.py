"""Partnership scores: from statement ratings to principle scores, the index, bands and gaps,
and how every figure reads wherever it is shown.

This module is the one place that turns ratings into scores (docs/scoring.md, "The scoring
rules") and the one place that says how a score reads (docs/scoring.md, "The display
rule"). A review's result is worked out here once, when the review closes, and stored
(partnerships/results.py); every page, file and report reads the stored figures and asks
this module how to show them. Nothing here touches the database.

Arithmetic is exact (fractions of whole-number ratings). A result's figures are decimals cut
to STORED_PLACES places towards zero, which keeps every figure on the same side of every
rounding boundary that display uses: a cut value rounds to one or two places, or to a whole
index, exactly as the exact fraction would.

Bands (red, amber, green) and gap flags are not stored: the thresholds are settings, so they
are decided when a figure is read, from the figure as a person reads it on screen (one decimal
place, half up): 3.96 reads "4.0" and is green; the gap is the shown NHS side minus the shown
VCSE side, and its flag follows that figure. Files give two places and the same bands and
flags: a file's figure rounds to the page's (see `shown`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.conf import settings

# The values of organisations.models.Side and partnerships.models.RAG, repeated here so that
# this module needs no models; a test keeps them in step.
NHS, LOCAL_GOVERNMENT, VCSE, OTHER = "nhs", "local_government", "vcse", "other"
SIDES = (NHS, LOCAL_GOVERNMENT, VCSE)
RED, AMBER, GREEN = "red", "amber", "green"

SIGNIFICANT, WATCH = "significant", "watch"
GAP_SIGNIFICANT_FROM = Decimal("1.0")
GAP_WATCH_FROM = Decimal("0.5")

# Decimal places of a stored figure (partnerships.models.figure), and how many places a
# score is shown with: one on screens and in PDFs, two in CSV files and workbooks.
STORED_PLACES = 12
SCREEN, FILE = 1, 2

SIDE_ORDER = (*SIDES, OTHER)  # every side an organisation may have, in listing order
_SIDE_NAMES = {NHS: "NHS", LOCAL_GOVERNMENT: "local government", VCSE: "VCSE"}


def side_name(side: str) -> str:
    """How a side is named in a sentence: "NHS", "local government", "VCSE", "other"."""
    return _SIDE_NAMES.get(side, "other")


# How a figure reads. Every page, PDF, CSV and workbook calls these; nothing else rounds a
# score or decides a band.


def shown(value, places: int = SCREEN) -> Decimal | None:
    """A figure as it is shown with `places` decimal places, rounded half up (away from zero).

    Rounded first to two places (FILE: CSV files and workbooks), then one place at a time
    from there, so every coarser figure is the rounding of the finer one beside it: a file's
    3.95 is a page's 4.0 and never its 3.9. 4.25 shows as 4.3 and 3.75 as 3.8, never
    rounded to even.
    """
    if value is None:
        return None
    figure = _decimal(value)
    for step in range(max(FILE, places), places - 1, -1):
        figure = figure.quantize(Decimal(1).scaleb(-step), rounding=ROUND_HALF_UP)
    return figure


def shown_index(index, places: int = 0) -> Decimal | None:
    """The index as it is shown: a whole number on screens (62.5 shows as 63), one decimal
    place in files."""
    return shown(index, places)


def shown_gap(nhs, vcse, places: int = SCREEN) -> Decimal | None:
    """The gap as it is shown: the shown NHS side minus the shown VCSE side, so the three
    figures on a row always add up."""
    if nhs is None or vcse is None:
        return None
    return shown(nhs, places) - shown(vcse, places)


def rag_for(score, *, green_from=None, amber_from=None) -> str | None:
    """The band of a score, from the score as shown on screen: green from RAG_GREEN_FROM,
    amber from RAG_AMBER_FROM (settings, read at call time), red below."""
    green, amber = _thresholds(green_from, amber_from)
    return _rag(shown(score), green, amber)


def overall_rag(score, lowest, *, green_from=None, amber_from=None) -> str | None:
    """The partners' overall band: the band of their score, then the weakest link: never
    green while any principle, and so the lowest, is red."""
    rag = rag_for(score, green_from=green_from, amber_from=amber_from)
    if rag == GREEN and rag_for(lowest, green_from=green_from, amber_from=amber_from) == RED:
        return AMBER
    return rag


def gap_flag_for(gap) -> str | None:
    """SIGNIFICANT when a shown gap is a point or more either way, WATCH from half a point.

    Give it the gap as shown (shown_gap), so the flag follows the figure a person reads.
    """
    if gap is None:
        return None
    size = abs(shown(gap))
    if size >= GAP_SIGNIFICANT_FROM:
        return SIGNIFICANT
    if size >= GAP_WATCH_FROM:
        return WATCH
    return None


def bands_key() -> str:
    """The band thresholds of now (RAG_GREEN_FROM, RAG_AMBER_FROM) in a few characters,
    kept beside what was banded with them, so that a reader can tell whether its bands are
    still those of now: "4.0/3.0"."""
    green, amber = _thresholds(None, None)
    return f"{green}/{amber}"


def band_floor(threshold) -> Decimal:
    """The lowest figure that shows at or above `threshold` (a one-place figure such as 4.0):
    3.945, which is 3.95 in a file and so 4.0 on screen. Reports count bands in the database
    by comparing stored figures with it."""
    return _decimal(threshold) - Decimal("0.055")


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
    score: Decimal | None  # None: too few statements scored
    scored: int  # statements with a score 1–5
    dont_know: int

    @property
    def insufficient(self) -> bool:
        return self.score is None


@dataclass(frozen=True)
class PrincipleResult:
    number: int
    name: str
    organisations: tuple[OrganisationScore, ...]  # by side (NHS first), then name
    side_means: dict[str, Decimal | None]  # keyed by NHS, LOCAL_GOVERNMENT, VCSE
    side_counts: dict[str, int]  # organisations with a score, per side
    score: Decimal | None  # the partnership's score, 1–5
    gap: Decimal | None  # NHS-side mean − VCSE-side mean, unrounded
    spread: Decimal | None  # highest − lowest organisation score
    # Confidential reviews: the figures the partners may not see (withheld_figures): any of
    # WITHHOLDABLE. partnerships.withholding blanks them for a reader who may not see them.
    withheld: frozenset[str] = frozenset()

    @property
    def rag(self) -> str | None:
        return rag_for(self.score)

    @property
    def shown_gap(self) -> Decimal | None:
        return shown_gap(self.side_means[NHS], self.side_means[VCSE])

    @property
    def gap_flag(self) -> str | None:
        return gap_flag_for(self.shown_gap)

    @property
    def gap_reason(self) -> str | None:
        """Why there is no gap, when there is none."""
        if self.gap is None and "gap" in self.withheld:
            return "Withheld: it would show a side too small to be shown"
        nhs, vcse = self.side_means[NHS], self.side_means[VCSE]
        if nhs is None and vcse is None:
            return "Neither an NHS nor a VCSE partner has a score for this principle"
        if nhs is None:
            return "No NHS partner has a score for this principle"
        if vcse is None:
            return "No VCSE partner has a score for this principle"
        return None


@dataclass(frozen=True)
class ReviewResult:
    principles: tuple[PrincipleResult, ...]  # by number
    score: Decimal | None  # mean of the principle scores present, 1–5
    index: Decimal | None  # 0–100
    lowest: Decimal | None  # the lowest principle score: red there means no overall green
    framework_version: str | None = None
    # Organisations that submitted, per side (OTHER included), whether or not they scored.
    submitted: dict[str, int] = field(default_factory=dict)
    # Confidential reviews: {"score"} when the partners may not see the score, the index and
    # the overall band (withheld_figures); min_per_side is the threshold the review closed
    # with (None for an open review); hidden is set by partnerships.withholding when the
    # withheld figures, and other organisations' scores, have been taken out for a reader.
    withheld: frozenset[str] = frozenset()
    min_per_side: int | None = None
    hidden: bool = False

    def principle(self, number: int) -> PrincipleResult:
        return next(p for p in self.principles if p.number == number)

    @property
    def index_missing(self) -> tuple[int, ...]:
        """Principles left out of the index: no partnership score (one withheld from the
        reader has a score, so is not among them)."""
        return tuple(
            p.number for p in self.principles if p.score is None and "score" not in p.withheld
        )

    @property
    def principles_scored(self) -> int:
        return sum(1 for p in self.principles if p.score is not None)

    @property
    def rag(self) -> str | None:
        return overall_rag(self.score, self.lowest)

    @property
    def is_confidential(self) -> bool:
        return self.min_per_side is not None

    @property
    def withheld_sides(self) -> tuple[str, ...]:
        """Sides too small to be shown in some principle, in side order."""
        found = {side for p in self.principles for side in SIDES if side in p.withheld}
        return tuple(side for side in SIDES if side in found)

    @property
    def small_sides(self) -> tuple[str, ...]:
        """Sides withheld for having too few organisations (not merely beside one)."""
        if self.min_per_side is None:
            return ()
        return tuple(
            side
            for side in self.withheld_sides
            if any(
                side in p.withheld and 0 < p.side_counts[side] < self.min_per_side
                for p in self.principles
            )
            or 0 < self.submitted.get(side, 0) < self.min_per_side
        )


# The figures a confidential review may withhold from its partners: a principle's score,
# each side's mean, the gap and the spread, and the review's score (with its index and band).
WITHHOLDABLE = ("score", *SIDES, "gap", "spread")


def withheld_figures(result: ReviewResult, min_per_side: int) -> ReviewResult:
    """A confidential review's result marked with what its partners may not see; decided
    once, when it closes (docs/permissions.md, "Who sees whose answers").

    In each principle a side mean is withheld when fewer than `min_per_side` organisations
    of that side submitted, or scored the principle: with fewer, one of them could read
    another's score from it. Then every figure it could be worked out from goes too: the
    partnership's score (the mean of the side means, so the score and the other sides give
    it), the gap when it involves that side, and a lone side left beside it (with two sides,
    the partnership's score and the other side are enough to derive it). Any principle's
    score withheld withholds the review's score, index and band, which are their mean. The
    spread, a figure about single organisations, is always withheld.
    """
    principles = []
    for p in result.principles:
        withheld = {"spread"}
        present = [side for side in SIDES if p.side_means[side] is not None]
        small = {
            side
            for side in present
            if p.side_counts[side] < min_per_side or result.submitted.get(side, 0) < min_per_side
        }
        if small:
            withheld |= small | {"score"}
            left = [side for side in present if side not in small]
            if len(left) == 1:
                withheld.add(left[0])
        if NHS in withheld or VCSE in withheld:
            withheld.add("gap")
        principles.append(replace(p, withheld=frozenset(withheld)))
    review_withheld = (
        frozenset({"score"}) if any("score" in p.withheld for p in principles) else frozenset()
    )
    return replace(
        result,
        principles=tuple(principles),
        withheld=review_withheld,
        min_per_side=min_per_side,
    )


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
    def scores(self) -> tuple[Decimal | None, ...]:
        return tuple(point.result.score for point in self.points)


@dataclass(frozen=True)
class Trend:
    framework_version: str | None
    labels: tuple[object, ...]
    index: tuple[Decimal | None, ...]
    rag: tuple[str | None, ...]
    principles: tuple[PrincipleTrend, ...]


def score_review(
    organisations: Iterable[OrganisationAnswers],
    statements_per_principle: Mapping[int, int],
    *,
    principle_names: Mapping[int, str] | None = None,
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

    framework_version identifies the framework and its version (e.g. str(framework)); trend()
    needs it to refuse to compare reviews scored against different versions.
    """
    organisations = list(organisations)
    _check(organisations, statements_per_principle)
    names = principle_names or {}
    submitted = dict.fromkeys(SIDE_ORDER, 0)
    for organisation in organisations:
        submitted[organisation.side] += 1

    scored = [
        _score_principle(
            number, names.get(number, f"Principle {number}"), statements, organisations
        )
        for number, statements in sorted(statements_per_principle.items())
    ]
    principles = tuple(result for result, _ in scored)
    present = [exact for _, exact in scored if exact is not None]
    if not present:
        return ReviewResult(principles, None, None, None, framework_version, submitted)
    mean = _mean(present)
    return ReviewResult(
        principles,
        score=_cut(mean),
        index=_cut((mean - 1) / 4 * 100),
        lowest=_cut(min(present)),
        framework_version=framework_version,
        submitted=submitted,
    )


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
    """What the results page says (`text`), and the plain action it offers to add (`action`):
    what will be done, so that everyone can tell when it is finished."""

    principle_number: int
    text: str
    action: str


def suggested_actions(result: ReviewResult, limit: int = 3) -> list[Suggestion]:
    """Short suggestions for the results page: significant gaps, biggest first, then red
    principles, lowest first; one suggestion per principle.

    Gaps come first because a difference of view is what partners most need to talk about
    before agreeing actions on a weak principle.
    """
    gaps = sorted(
        (p for p in result.principles if p.gap_flag == SIGNIFICANT),
        key=lambda p: (-abs(p.shown_gap), p.number),
    )
    suggestions = [Suggestion(p.number, *_gap_suggestion(p)) for p in gaps]
    gap_numbers = {p.number for p in gaps}
    reds = sorted(
        (p for p in result.principles if p.rag == RED and p.number not in gap_numbers),
        key=lambda p: (p.score, p.number),
    )
    suggestions += [
        Suggestion(
            p.number,
            f"{p.name}: rated {shown(p.score)} out of 5 overall, which is red. "
            "Agree one action together to improve it.",
            f"{p.name}: agree and make one change that raises it from {shown(p.score)} out "
            "of 5 by the next review.",
        )
        for p in reds
    ]
    return suggestions[:limit]


def _score_principle(number, name, statements, organisations):
    by_organisation = [
        (organisation, _organisation_score(organisation.answers.get(number, ()), statements))
        for organisation in organisations
    ]
    by_organisation.sort(
        key=lambda pair: listing_order(pair[0].side, pair[0].name, pair[0].organisation_id)
    )
    side_scores = {
        side: [s for o, s in by_organisation if o.side == side and s is not None] for side in SIDES
    }
    side_means = {side: _mean(scores) for side, scores in side_scores.items()}
    score = _mean([m for m in side_means.values() if m is not None])
    nhs, vcse = side_means[NHS], side_means[VCSE]
    gap = nhs - vcse if nhs is not None and vcse is not None else None
    all_scores = [s for _, s in by_organisation if s is not None]
    spread = max(all_scores) - min(all_scores) if len(all_scores) >= 2 else None

    result = PrincipleResult(
        number=number,
        name=name,
        organisations=tuple(
            _organisation_result(o, o.answers.get(number, ()), s) for o, s in by_organisation
        ),
        side_means={side: _cut(mean) for side, mean in side_means.items()},
        side_counts={side: len(scores) for side, scores in side_scores.items()},
        score=_cut(score),
        gap=_cut(gap),
        spread=_cut(spread),
    )
    return result, score


def listing_order(side: str, name: str, organisation_id) -> tuple:
    """How organisations are listed in a result: by side (NHS first), then name."""
    return SIDE_ORDER.index(side), name.casefold(), str(organisation_id)


def _organisation_score(answers, statements):
    scores = [a for a in answers if a is not None]
    # Exactly half is enough: 2 of 4 scored statements give a score, 1 of 4 does not.
    if 2 * len(scores) < statements:
        return None
    return _mean(scores)


def _organisation_result(organisation, answers, score):
    return OrganisationScore(
        organisation_id=organisation.organisation_id,
        name=organisation.name,
        side=organisation.side,
        score=_cut(score),
        scored=sum(1 for a in answers if a is not None),
        dont_know=sum(1 for a in answers if a is None),
    )


def _gap_suggestion(p) -> tuple[str, str]:
    higher, lower = (NHS, VCSE) if p.shown_gap > 0 else (VCSE, NHS)
    gap = abs(p.shown_gap)
    text = (
        f"{p.name}: the {_SIDE_NAMES[higher]} side rates it {gap} points higher "
        f"than the {_SIDE_NAMES[lower]} side. Talk together about why."
    )
    action = (
        f"{p.name}: hold a meeting of the NHS and VCSE partners to find out why the "
        f"{_SIDE_NAMES[higher]} side rates it {gap} points higher, and agree one change."
    )
    return text, action


def _rag(score, green, amber):
    if score is None:
        return None
    if score >= green:
        return GREEN
    if score >= amber:
        return AMBER
    return RED


def _thresholds(green_from, amber_from):
    green = _decimal(settings.RAG_GREEN_FROM if green_from is None else green_from)
    amber = _decimal(settings.RAG_AMBER_FROM if amber_from is None else amber_from)
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
        if organisation.side not in SIDE_ORDER:
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


def _decimal(value) -> Decimal:
    # A float means the decimal that was written (a setting of 3.99, or SQLite's copy of a
    # stored figure): its shortest repr, which gives back a stored figure's digits exactly.
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Fraction):
        return _cut(value)
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _cut(value: Fraction | None) -> Decimal | None:
    """An exact fraction as a stored figure: STORED_PLACES places, cut towards zero.

    Cutting, not rounding, keeps the figure on the same side of every coarser boundary: if
    the exact value is below 3.95, so is the figure, and if it is 3.95 or more, so is it.
    """
    if value is None:
        return None
    sign = -1 if value < 0 else 1
    whole = abs(value.numerator) * 10**STORED_PLACES // value.denominator
    return Decimal(sign * whole).scaleb(-STORED_PLACES)


def _mean(values):
    return sum(values, Fraction(0)) / len(values) if values else None
