"""The figures of the reports area and its exports, for a filtered set of partnerships.

A closed review's scores are worked out once, when it closes, and stored
(partnerships/results.py): a ReviewResult row per review, a PrincipleResult row per review
and principle. The report aggregates those stored rows in the database (averages across
partnerships, lowest and highest, counts per band) and asks partnerships.scoring how each
figure reads: rounding, bands and gap flags are its rules, applied here to the stored
figures, so the report, its files and each partnership's results page agree. Nothing here
reads the ratings for a score; `ratings_for` lists them for the ratings file.

Whatever the size of the set, the page runs a fixed number of queries. They are the ORM's,
so they run on PostgreSQL (tests, production) and SQLite (the demo) alike.
"""

import datetime
import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    DecimalField,
    F,
    Max,
    Min,
    Q,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Abs, Coalesce, ExtractQuarter, ExtractYear, RowNumber
from django.utils import timezone

from organisations.models import Organisation
from partnerships import scoring
from partnerships.models import (
    Action,
    Assessment,
    Concern,
    Participant,
    Partnership,
    PartnershipTransfer,
    PrincipleResult,
    Rating,
    Review,
    ReviewResult,
)
from partnerships.withholding import shown, withheld_from
from principles.models import Framework

# A partnership's scores are compared with its ICB's or region's average only when that
# many partnerships are in the group: fewer would say too much about each of them.
MIN_GROUP_FOR_AVERAGE = 5

HEATMAP_PAGE_SIZE = 50
LARGEST_GAPS = 10
OVERDUE_ACTIONS_SHOWN = 10
INDEX_BANDS = tuple(range(0, 100, 10))  # lower bounds: 0 to under 10, …, 90 to 100

# An average across partnerships is a new figure. PostgreSQL averages the stored decimals to
# some sixteen significant digits, SQLite in floating point; rounded to nine places (half
# up), both give the same figure, and the stored figures' own cut (under 1e-12) cannot tip
# it across a boundary of the display rule. Then it is shown by the scoring module's rule.
AVERAGE_PLACES = Decimal("1e-9")


@dataclass(frozen=True)
class Filters:
    """The report's filters once checked; the form turns a query string into one."""

    framework: Framework | None = None
    region: str = ""
    icb: Organisation | None = None
    kind: str = ""
    service_area: str = ""
    organisation: Organisation | None = None
    closed_from: datetime.date | None = None
    closed_to: datetime.date | None = None
    # The chosen ICB's predecessors, by their names of then: the report includes the
    # partnerships it inherited from them, and says so.
    inherited_from: tuple[str, ...] = ()

    def query(self) -> dict[str, str]:
        """The filters as URL parameters: links, exports and the audit trail all use this."""
        values = {
            "framework": self.framework.pk if self.framework else "",
            "region": self.region,
            "icb": self.icb.code if self.icb else "",
            "kind": self.kind,
            "service_area": self.service_area,
            "organisation": self.organisation.code if self.organisation else "",
        }
        for name in ("closed_from", "closed_to"):
            date = getattr(self, name)
            if date:
                values |= {f"{name}_day": date.day, f"{name}_month": date.month}
                values[f"{name}_year"] = date.year
        return {name: str(value) for name, value in values.items() if value != ""}

    def described(self) -> list[str]:
        """One line per filter, for the top of a PDF and the audit trail."""
        lines = []
        if self.framework:
            lines.append(f"Framework: {self.framework}")
        if self.region:
            lines.append(f"NHS region: {self.region}")
        if self.icb:
            lines.append(f"ICB: {self.icb}")
        if self.inherited_from:
            lines.append(
                "Includes the partnerships inherited from " + "; ".join(self.inherited_from)
            )
        if self.kind:
            lines.append(f"Type: {Partnership.Kind(self.kind).label}")
        if self.service_area:
            lines.append(f"Service area: {self.service_area}")
        if self.organisation:
            lines.append(f"Organisation: {self.organisation.name}")
        if self.closed_from or self.closed_to:
            start = f"{self.closed_from:%-d %B %Y}" if self.closed_from else "the start"
            end = f"{self.closed_to:%-d %B %Y}" if self.closed_to else "today"
            lines.append(f"Reviews closed between {start} and {end}")
        return lines


# The sets a report is about. Every one starts from the partnership gate.


def predecessors_of(icb: Organisation) -> tuple[str, ...]:
    """The names, with their last days, of the organisations `icb` succeeded."""
    return tuple(
        str(organisation)
        for organisation in Organisation.objects.filter(
            Q(successor=icb)
            | Q(
                pk__in=PartnershipTransfer.objects.filter(successor=icb).values(
                    "succession__predecessor"
                )
            )
        ).order_by("name")
    )


def partnerships_for(user, filters: Filters):
    partnerships = Partnership.objects.visible_to(user)
    if filters.region:
        partnerships = partnerships.filter(icb__region=filters.region)
    if filters.icb:
        # A successor's report includes its predecessors' partnerships (those not yet moved
        # too); a predecessor's, the partnerships that were in its area or that it was in.
        partnerships = partnerships.filter(
            Q(icb=filters.icb)
            | Q(icb__successor=filters.icb)
            | Q(
                pk__in=PartnershipTransfer.objects.filter(
                    succession__predecessor=filters.icb
                ).values("partnership")
            )
        )
    if filters.kind:
        partnerships = partnerships.filter(kind=filters.kind)
    if filters.service_area:
        partnerships = partnerships.filter(service_area=filters.service_area)
    if filters.organisation:
        partnerships = partnerships.filter(
            pk__in=Participant.objects.filter(organisation=filters.organisation).values(
                "partnership"
            )
        )
    return partnerships


def closed_reviews_for(user, filters: Filters):
    """Closed reviews on the chosen framework, closed within the dates: the scored ones."""
    reviews = Review.objects.filter(
        partnership__in=partnerships_for(user, filters).values("pk"),
        state=Review.State.CLOSED,
        framework=filters.framework,
    )
    if filters.closed_from:
        reviews = reviews.filter(closed_on__gte=filters.closed_from)
    if filters.closed_to:
        reviews = reviews.filter(closed_on__lte=filters.closed_to)
    return reviews


def open_reviews_for(user, filters: Filters):
    """Open reviews on the chosen framework: the dates filter closed reviews only."""
    return Review.objects.filter(
        partnership__in=partnerships_for(user, filters).values("pk"),
        state=Review.State.OPEN,
        framework=filters.framework,
    )


def reviews_for(user, filters: Filters):
    """What the reviews export lists: the closed reviews in the report, and every open one."""
    closed = closed_reviews_for(user, filters).values("pk")
    return Review.objects.filter(
        Q(pk__in=closed) | Q(pk__in=open_reviews_for(user, filters).values("pk"))
    )


def actions_for(user, filters: Filters):
    return Action.objects.filter(partnership__in=partnerships_for(user, filters).values("pk"))


def concerns_for(user, filters: Filters):
    """Concerns of the filtered partnerships the person may see, raised between the dates."""
    concerns = Concern.objects.visible_to(user).filter(
        partnership__in=partnerships_for(user, filters).values("pk")
    )
    if filters.closed_from:
        concerns = concerns.filter(raised_at__date__gte=filters.closed_from)
    if filters.closed_to:
        concerns = concerns.filter(raised_at__date__lte=filters.closed_to)
    return concerns


def ratings_for(user, filters: Filters):
    """The statement ratings behind the scores: submitted assessments of the closed reviews.

    An open review's answers stay out, as on the screens, until the review closes.
    """
    return Rating.objects.filter(
        assessment__review__in=closed_reviews_for(user, filters).values("pk"),
        assessment__state=Assessment.State.SUBMITTED,
    )


# Reading the stored results.


def latest_reviews(closed):
    """The ids of each partnership's latest review among `closed` (by closing date, then id),
    as a subquery."""
    return (
        closed.order_by()
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=F("partnership"),
                order_by=[F("closed_on").desc(), F("pk").desc()],
            )
        )
        .filter(position=1)
        .values("pk")
    )


def _average(value) -> Decimal | None:
    """An average from the database as a decimal of AVERAGE_PLACES places, half up."""
    if value is None:
        return None
    if isinstance(value, float):
        value = Decimal(repr(value))
    return Decimal(value).quantize(AVERAGE_PLACES, rounding=ROUND_HALF_UP)


def _band_floors() -> tuple[Decimal, Decimal]:
    """The lowest stored figures that show as green and as amber (scoring.band_floor)."""
    return (
        scoring.band_floor(settings.RAG_GREEN_FROM),
        scoring.band_floor(settings.RAG_AMBER_FROM),
    )


# A shown gap is less than one unit of its last place from the stored gap: both sides are
# rounded onto the same steps of one unit, so their moves differ by less than one. A gap
# more than two units below the tenth largest stored gap therefore cannot be among the ten
# largest shown; only the others are fetched, and ranked in Python by the shown gap.
GAP_REACH = 2 * Decimal(1).scaleb(-scoring.SCREEN)


# What the report page shows.


@dataclass(frozen=True)
class PrincipleSummary:
    number: int
    name: str
    partnerships: int  # with a score for this principle
    average: Decimal | None
    lowest: Decimal | None
    highest: Decimal | None
    red: int
    amber: int
    green: int

    @property
    def spread(self) -> Decimal | None:
        """The shown highest minus the shown lowest, so the row's figures add up."""
        if self.lowest is None or self.highest is None:
            return None
        return scoring.shown(self.highest) - scoring.shown(self.lowest)

    @property
    def rag(self) -> str | None:
        return scoring.rag_for(self.average)


@dataclass(frozen=True)
class Cell:
    score: Decimal | None
    rag: str | None


@dataclass(frozen=True)
class HeatmapRow:
    partnership_code: object
    partnership_name: str
    review_code: object
    closed_on: datetime.date
    index: Decimal | None
    rag: str | None
    cells: tuple[Cell, ...]  # one per principle, in number order


@dataclass(frozen=True)
class Gap:
    partnership_code: object
    partnership_name: str
    review_code: object
    number: int
    principle: str
    nhs: Decimal
    vcse: Decimal

    @property
    def gap(self) -> Decimal:
        """The gap as shown: the shown NHS side minus the shown VCSE side."""
        return scoring.shown_gap(self.nhs, self.vcse)

    @property
    def flag(self) -> str | None:
        return scoring.gap_flag_for(self.gap)


# Quarters in each part of the PDF's trend table: what fits across A4 beside the names.
PDF_TREND_QUARTERS = 8


@dataclass(frozen=True)
class QuarterTrend:
    year: int
    quarter: int
    reviews: int
    index: Decimal | None
    scores: tuple[Decimal | None, ...]  # average per principle, in number order

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.quarter}"


@dataclass(frozen=True)
class Band:
    low: int
    count: int

    @property
    def label(self) -> str:
        return "90 to 100" if self.low == 90 else f"{self.low} to under {self.low + 10}"


@dataclass
class ConcernFigures:
    """Concerns in one group (a principle, an ICB, or all): how many, how well answered."""

    label: str
    raised: int = 0
    answered: int = 0
    answered_on_time: int = 0
    days: list[int] = field(default_factory=list)

    @property
    def share_on_time(self) -> int | None:
        """Of those answered, the share answered on time, as a whole percentage."""
        if not self.answered:
            return None
        share = Decimal(100 * self.answered_on_time) / self.answered
        return int(share.quantize(Decimal(1), ROUND_HALF_UP))

    @property
    def median_days(self) -> Decimal | None:
        """Median calendar days from raising to the answer (a half when the count is even)."""
        return Decimal(statistics.median(self.days)) if self.days else None


@dataclass
class ConcernReport:
    total: ConcernFigures
    by_principle: list[ConcernFigures]
    by_icb: list[ConcernFigures]


NO_PRINCIPLE = "No principle in particular"
NO_ICB = "No ICB area set"


def concern_report(user, filters: Filters) -> ConcernReport:
    """Counts by principle and by ICB, the share answered on time and the median days to
    answer, from the figures stored when each concern was answered: one query."""
    return _concern_figures(concerns_for(user, filters))


def concerns_in_period(user, review: Review) -> ConcernReport:
    """The concerns about a closed review's partnership raised in its period (after the
    review before it closed, up to the day it closed) that the person may see: one query."""
    before = (
        Review.objects.filter(
            partnership=review.partnership_id,
            state=Review.State.CLOSED,
            closed_on__lt=review.closed_on,
        )
        .order_by("-closed_on")
        .values("closed_on")[:1]
    )
    concerns = Concern.objects.visible_to(user).filter(
        Q(raised_at__date__gt=Coalesce(Subquery(before), Value(datetime.date.min))),
        partnership=review.partnership_id,
        raised_at__date__lte=review.closed_on,
    )
    return _concern_figures(concerns)


def _concern_figures(concerns) -> ConcernReport:
    rows = concerns.values_list(
        "principle__number",
        "principle__name",
        "partnership__icb__name",
        "responded_at",
        "responded_in_time",
        "days_to_respond",
    )
    total = ConcernFigures("All concerns")
    principles: dict[int, ConcernFigures] = {}
    icbs: dict[str, ConcernFigures] = {}
    for number, principle, icb, responded_at, in_time, days in rows:
        if (number or 0) not in principles:
            label = f"{number}. {principle}" if number else NO_PRINCIPLE
            principles[number or 0] = ConcernFigures(label)
        if (icb or NO_ICB) not in icbs:
            icbs[icb or NO_ICB] = ConcernFigures(icb or NO_ICB)
        for figures in (total, principles[number or 0], icbs[icb or NO_ICB]):
            figures.raised += 1
            if responded_at is not None:
                figures.answered += 1
                figures.answered_on_time += bool(in_time)
                figures.days.append(days)
    return ConcernReport(
        total=total,
        # Principles in their order, concerns about none last; ICBs by name.
        by_principle=[principles[n] for n in sorted(principles, key=lambda n: (n == 0, n))],
        by_icb=[icbs[name] for name in sorted(icbs, key=lambda n: (n == NO_ICB, n))],
    )


@dataclass
class Report:
    filters: Filters
    principles: list[tuple[int, str]]
    partnerships: int = 0
    reviewed: int = 0  # partnerships with a closed review in the report
    on_time: int = 0
    late: int = 0
    overdue: int = 0  # open reviews past their due date today
    open_not_due: int = 0
    summaries: list[PrincipleSummary] = field(default_factory=list)
    average_index: Decimal | None = None
    bands: list[Band] = field(default_factory=list)
    heatmap: list[HeatmapRow] = field(default_factory=list)
    heatmap_page: int = 1
    heatmap_pages: int = 1
    gaps: list[Gap] = field(default_factory=list)
    quarters: list[QuarterTrend] = field(default_factory=list)
    actions_open: int = 0
    actions_overdue: int = 0
    overdue_actions: list[Action] = field(default_factory=list)
    concerns: ConcernReport | None = None

    @property
    def trend_rows(self) -> list[tuple[int, str, list[Decimal | None]]]:
        """The trend a principle a row, for the table beside the chart."""
        return self._trend_rows(self.quarters)

    def _trend_rows(self, quarters):
        return [
            (number, name, [quarter.scores[i] for quarter in quarters])
            for i, (number, name) in enumerate(self.principles)
        ]

    @property
    def trend_parts(self) -> list[dict]:
        """The trend table in parts of a few quarters each, so that every part fits the
        width of an A4 page in the PDF (the page itself scrolls one table sideways)."""
        size = PDF_TREND_QUARTERS
        return [
            {"quarters": part, "rows": self._trend_rows(part)}
            for part in (self.quarters[i : i + size] for i in range(0, len(self.quarters), size))
        ]


def build_report(user, filters: Filters, *, page: int = 1, per_page: int = HEATMAP_PAGE_SIZE):
    """Every figure of the report page for the filtered set, in a fixed number of queries."""
    framework = filters.framework
    principles = (
        list(framework.principles.order_by("number").values_list("number", "name"))
        if framework
        else []
    )
    report = Report(filters=filters, principles=principles)
    report.partnerships = partnerships_for(user, filters).count()
    today = timezone.localdate()

    actions = actions_for(user, filters).filter(status=Action.Status.OPEN)
    counts = actions.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    report.actions_open, report.actions_overdue = counts["open"], counts["overdue"]
    report.overdue_actions = list(
        actions.filter(due_on__lt=today)
        .select_related("partnership", "owner_organisation", "principle")
        .order_by("due_on", "id")[:OVERDUE_ACTIONS_SHOWN]
    )
    report.concerns = concern_report(user, filters)
    if framework is None:
        return report

    closed = closed_reviews_for(user, filters)
    timeliness = closed.aggregate(
        on_time=Count("pk", filter=Q(closed_on__lte=F("due_on"))),
        late=Count("pk", filter=Q(closed_on__gt=F("due_on"))),
        reviewed=Count("partnership", distinct=True),
    )
    report.on_time, report.late = timeliness["on_time"], timeliness["late"]
    report.reviewed = timeliness["reviewed"]
    still_open = open_reviews_for(user, filters).aggregate(
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        not_due=Count("pk", filter=Q(due_on__gte=today)),
    )
    report.overdue, report.open_not_due = still_open["overdue"], still_open["not_due"]

    latest = latest_reviews(closed)
    _summaries(report, latest, user)
    _bands(report, latest, user)
    _gaps(report, latest, user)
    _heatmap(report, latest, page, per_page, user)
    _quarters(report, closed, user)
    return report


def _summaries(report, latest, user):
    """Per principle: the average, lowest and highest stored score of the latest reviews,
    and how many are red, amber and green as each partnership's results page shows them.
    A score a confidential review withholds from the person is left out of all of them."""
    green_floor, amber_floor = _band_floors()
    score = shown("score", user=user)
    rows = (
        PrincipleResult.objects.filter(review__in=latest)
        .order_by()
        .values_list("principle__number")
        .annotate(
            scored=Count(score),
            average=Avg(score),
            lowest=Min(score),
            highest=Max(score),
            red=Count(score, filter=Q(score__lt=amber_floor)),
            amber=Count(score, filter=Q(score__gte=amber_floor, score__lt=green_floor)),
            green=Count(score, filter=Q(score__gte=green_floor)),
        )
    )
    by_number = {number: figures for number, *figures in rows}
    report.summaries = []
    for number, name in report.principles:
        count, average, lowest, highest, red, amber, green = by_number.get(
            number, (0, None, None, None, 0, 0, 0)
        )
        report.summaries.append(
            PrincipleSummary(
                number=number,
                name=name,
                partnerships=count,
                average=_average(average),
                lowest=lowest,
                highest=highest,
                red=red,
                amber=amber,
                green=green,
            )
        )


def _band_of(index) -> int:
    """The histogram band of an index, by the index as shown: 9.5 shows 10, in 10 to 20."""
    return min(int(scoring.shown_index(index)) // 10 * 10, INDEX_BANDS[-1])


def _bands(report, latest, user):
    """The latest reviews' indexes in bands of ten, and their average, in one query: the
    stored indexes counted by value. The average is worked out from those counts, exactly
    (a second pass over the same rows cost a platform admin's report some 25 ms)."""
    stored = (
        ReviewResult.objects.filter(review__in=latest, index__isnull=False)
        .exclude(withheld_from(user))
        .order_by()
    )
    counts = dict.fromkeys(INDEX_BANDS, 0)
    total, reviews = Decimal(0), 0
    for index, count in stored.values_list("index").annotate(Count("pk")):
        counts[_band_of(index)] += count
        total += (Decimal(repr(index)) if isinstance(index, float) else Decimal(index)) * count
        reviews += count
    report.bands = [Band(low, counts[low]) for low in INDEX_BANDS]
    report.average_index = _average(total / reviews) if reviews else None


def _gaps(report, latest, user):
    """The largest gaps as shown, biggest first; equal ones by partnership, then principle.
    A gap a confidential review withholds from the person is not among them."""
    gaps = (
        PrincipleResult.objects.filter(review__in=latest, gap__isnull=False)
        .exclude(gap=0)
        .exclude(withheld_from(user, "gap"))
        .annotate(size=Abs("gap"))
        .order_by()
    )
    tenth = gaps.order_by("-size").values("size")[LARGEST_GAPS - 1 : LARGEST_GAPS]
    figure = DecimalField(max_digits=16, decimal_places=scoring.STORED_PLACES)
    reach = Coalesce(Subquery(tenth), Value(Decimal(0)), output_field=figure) - Value(
        GAP_REACH, output_field=figure
    )
    rows = (
        gaps.filter(size__gte=reach)
        .order_by("review__partnership__name", "review__partnership_id", "principle__number")
        .values_list(
            "review__partnership__code",
            "review__partnership__name",
            "review__code",
            "principle__number",
            "principle__name",
            "nhs",
            "vcse",
        )
    )
    shown = [gap for gap in (Gap(*row) for row in rows) if gap.gap != 0]
    shown.sort(key=lambda gap: -abs(gap.gap))  # stable: equal gaps keep the order above
    report.gaps = shown[:LARGEST_GAPS]


def _heatmap(report, latest, page, per_page, user):
    pages = max(1, -(-report.reviewed // per_page))
    page = min(max(1, page), pages)
    report.heatmap_page, report.heatmap_pages = page, pages
    start = (page - 1) * per_page
    reviews = list(
        Review.objects.filter(pk__in=latest)
        .order_by("partnership__name", "partnership_id")
        .values_list(
            "pk",
            "partnership__code",
            "partnership__name",
            "code",
            "closed_on",
            shown("result__index", user=user),
            shown("result__score", user=user),
            shown("result__lowest", user=user),
        )[start : start + per_page]
    )
    scores = {}
    for review_id, number, score in (
        PrincipleResult.objects.filter(review__in=[review[0] for review in reviews])
        .order_by()
        .values_list("review_id", "principle__number", shown("score", user=user))
    ):
        scores[review_id, number] = score
    numbers = [number for number, _ in report.principles]
    report.heatmap = [
        HeatmapRow(
            code,
            name,
            review_code,
            closed_on,
            index,
            scoring.overall_rag(score, lowest),
            tuple(
                Cell(value, scoring.rag_for(value))
                for value in (scores.get((pk, number)) for number in numbers)
            ),
        )
        for pk, code, name, review_code, closed_on, index, score, lowest in reviews
    ]


def _quarters(report, closed, user):
    """Every closed review of the report, by the quarter it closed in: the average stored
    score per principle and the average index, of the figures the person may see."""
    when = {
        "year": ExtractYear("review__closed_on"),
        "quarter": ExtractQuarter("review__closed_on"),
    }
    reviews = closed.order_by().values("pk")
    totals = (
        ReviewResult.objects.filter(review__in=reviews)
        .order_by()
        .values(**when)
        .annotate(average=Avg(shown("index", user=user)), reviews=Count("pk"))
    )
    scores = (
        PrincipleResult.objects.filter(review__in=reviews)
        .order_by()
        .values(**when, number=F("principle__number"))
        .annotate(average=Avg(shown("score", user=user)))
    )
    by_quarter = {(row["year"], row["quarter"]): (row, {}) for row in totals}
    for row in scores:
        by_quarter[row["year"], row["quarter"]][1][row["number"]] = _average(row["average"])
    report.quarters = [
        QuarterTrend(
            year=year,
            quarter=quarter,
            reviews=total["reviews"],
            index=_average(total["average"]),
            scores=tuple(averages.get(number) for number, _ in report.principles),
        )
        for (year, quarter), (total, averages) in sorted(by_quarter.items())
    ]


def group_averages(user, partnership: Partnership, framework: Framework) -> list[dict]:
    """The averages of the partnership's ICB and NHS region, to compare its scores with.

    Each group is the partnerships the person can see in that ICB or region (nothing from
    outside the gate, not even inside an average), scored by the stored result of their
    latest closed review on the framework; an average is given only when at least
    MIN_GROUP_FOR_AVERAGE partnerships have one.
    """
    groups = []
    icb = partnership.icb
    if icb is not None:
        groups.append(("ICB", icb.name, Filters(framework=framework, icb=icb)))
        if icb.region:
            groups.append(
                (
                    "NHS region",
                    icb.region,
                    Filters(framework=framework, region=icb.region),
                )
            )
    averages = []
    for kind, name, filters in groups:
        latest = latest_reviews(closed_reviews_for(user, filters))
        index = shown("index", user=user)
        totals = ReviewResult.objects.filter(review__in=latest).aggregate(
            average=Avg(index), size=Count(index)
        )
        size = totals["size"]
        enough = size >= MIN_GROUP_FOR_AVERAGE
        scores = {}
        if enough:
            rows = (
                PrincipleResult.objects.filter(review__in=latest)
                .order_by()
                .values_list("principle__number")
                .annotate(average=Avg(shown("score", user=user)))
            )
            scores = {number: _average(average) for number, average in rows}
        averages.append(
            {
                "kind": kind,
                "name": name,
                "size": size,
                "shown": enough,
                "index": _average(totals["average"]) if enough else None,
                "scores": scores,
            }
        )
    return averages
