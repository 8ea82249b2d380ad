"""The figures of the reports area and its exports, for a filtered set of partnerships.

Whatever the size of the set, the report page runs a fixed number of queries and brings back
only what it shows: the scoring rules of DESIGN.md ("Scoring", as in partnerships.scoring)
are restated once, as the SQL of `_scores_sql`, and every figure here is aggregated from it
in the database. Exports use the same SQL a chunk of reviews at a time, so a file and the
page show the same numbers; tests/partnerships/test_reports*.py hold both equal to the
scoring module on seeded data.

The SQL runs on PostgreSQL (tests, production) and SQLite (the demo).
"""

# Every "nosec B608" below marks SQL built from constant table names and Django-compiled
# subqueries: no value a person typed is formatted into it; values travel as parameters.

import datetime
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from organisations.models import Organisation
from partnerships import scoring
from partnerships.models import Action, Assessment, Participant, Partnership, Rating, Review
from principles.models import Framework, Principle, Statement

# SQL averages are decimals (PostgreSQL) or floats (SQLite) close to the exact fractions the
# scoring module uses. Ratings are whole numbers over a few statements, organisations and
# sides, so two different exact results differ by far more than 1e-10, and rounding every
# figure to 10 places gives back the exact value wherever it matters: on a RAG threshold, at
# a gap flag, or where a page rounds a half.
PLACES = 10

# A partnership's scores are compared with its ICB's or region's average only when that
# many partnerships are in the group: fewer would say too much about each of them.
MIN_GROUP_FOR_AVERAGE = 5

HEATMAP_PAGE_SIZE = 50
LARGEST_GAPS = 10
OVERDUE_ACTIONS_SHOWN = 10
INDEX_BANDS = tuple(range(0, 100, 10))  # lower bounds: 0 to under 10, …, 90 to 100

_T = {
    "rating": Rating._meta.db_table,
    "assessment": Assessment._meta.db_table,
    "organisation": Organisation._meta.db_table,
    "statement": Statement._meta.db_table,
    "principle": Principle._meta.db_table,
    "review": Review._meta.db_table,
    "partnership": Partnership._meta.db_table,
}


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
            lines.append(f"ICB: {self.icb.name}")
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


def partnerships_for(user, filters: Filters):
    partnerships = Partnership.objects.visible_to(user)
    if filters.region:
        partnerships = partnerships.filter(icb__region=filters.region)
    if filters.icb:
        partnerships = partnerships.filter(icb=filters.icb)
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


def ratings_for(user, filters: Filters):
    """The statement ratings behind the scores: submitted assessments of the closed reviews.

    An open review's answers stay out, as on the screens, until the review closes.
    """
    return Rating.objects.filter(
        assessment__review__in=closed_reviews_for(user, filters).values("pk"),
        assessment__state=Assessment.State.SUBMITTED,
    )


# The scoring rules in SQL.


def _sql(queryset) -> tuple[str, tuple]:
    sql, params = queryset.order_by().query.sql_with_params()
    return sql, tuple(params)


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _round(expression: str) -> str:
    return f"ROUND({expression}, {PLACES})"


def _float(value):
    return None if value is None else float(value)


def _date(value):
    # SQLite hands dates back as text from raw SQL.
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _thresholds() -> tuple[Decimal, Decimal]:
    return Decimal(str(settings.RAG_GREEN_FROM)), Decimal(str(settings.RAG_AMBER_FROM))


def _side_of_kind() -> str:
    cases = " ".join(
        f"WHEN '{kind.value}' THEN '{side.value}'"
        for kind, side in Organisation.SIDE_OF_KIND.items()
    )
    return f"CASE o.kind {cases} ELSE 'other' END"


def _latest_sql(closed_sql: str) -> str:
    """The latest closed review of each partnership among those closed_sql selects."""
    return (
        f"SELECT id FROM (SELECT r.id, ROW_NUMBER() OVER (PARTITION BY r.partnership_id "
        f"ORDER BY r.closed_on DESC, r.id DESC) AS position FROM {_T['review']} r "
        f"WHERE r.id IN ({closed_sql})) ranked WHERE position = 1"  # nosec B608
    )


def _side_mean(name: str) -> str:
    return f"MAX(CASE WHEN side = '{name}' THEN mean END)"


_PRINCIPLE_SCORES = f"""
    shape AS (
        SELECT p.id AS principle_id, p.number, COUNT(s.id) AS statements
        FROM {_T["principle"]} p JOIN {_T["statement"]} s ON s.principle_id = p.id
        WHERE p.framework_id = %s GROUP BY p.id, p.number
    ),
    organisation_scores AS (
        -- An organisation's principle score: the mean of its scored statements, and no
        -- score when fewer than half of the principle's statements have one.
        SELECT a.review_id, a.organisation_id, {_side_of_kind()} AS side, shape.number,
            CASE WHEN 2 * COUNT(r.score) >= shape.statements THEN AVG(r.score) END AS score
        FROM {_T["rating"]} r
        JOIN {_T["assessment"]} a ON a.id = r.assessment_id
        JOIN {_T["organisation"]} o ON o.id = a.organisation_id
        JOIN {_T["statement"]} s ON s.id = r.statement_id
        JOIN shape ON shape.principle_id = s.principle_id
        WHERE a.state = '{Assessment.State.SUBMITTED.value}' AND a.review_id IN (%(reviews)s)
        GROUP BY a.review_id, a.organisation_id, o.kind, shape.number, shape.statements
    ),
    side_means AS (
        -- Each organisation counts once in its side; an organisation of no side in none.
        SELECT review_id, number, side, AVG(score) AS mean FROM organisation_scores
        WHERE side <> 'other' GROUP BY review_id, number, side
    ),
    spreads AS (
        SELECT review_id, number,
            CASE WHEN COUNT(score) >= 2 THEN {_round("MAX(score) - MIN(score)")} END AS spread
        FROM organisation_scores GROUP BY review_id, number
    ),
    principle_scores AS (
        -- The partnership's score: the mean of the side means present.
        SELECT m.review_id, m.number, AVG(m.mean) AS exact, {_round("AVG(m.mean)")} AS score,
            {_round(_side_mean("nhs"))} AS nhs,
            {_round(_side_mean("local_government"))} AS local_government,
            {_round(_side_mean("vcse"))} AS vcse,
            {_round(f"{_side_mean('nhs')} - {_side_mean('vcse')}")} AS gap,
            MAX(sp.spread) AS spread
        FROM side_means m JOIN spreads sp ON sp.review_id = m.review_id AND sp.number = m.number
        GROUP BY m.review_id, m.number
        HAVING AVG(m.mean) IS NOT NULL
    )"""  # nosec B608


def _review_scores_sql(principle_scores: str) -> str:
    """A row per review from its principle scores; takes the amber threshold as a parameter.

    The index is over the principles that have a score, as the scoring module's is.
    """
    return f"""SELECT review_id, {_round("AVG(exact)")} AS score,
        {_round("(AVG(exact) - 1) * 25")} AS idx, COUNT(*) AS principles_scored,
        MAX(CASE WHEN score < %s THEN 1 ELSE 0 END) AS any_red
        FROM {principle_scores} GROUP BY review_id"""  # nosec B608


_SCORES = f"{_PRINCIPLE_SCORES}, review_scores AS ({_review_scores_sql('principle_scores')})"


@dataclass(frozen=True)
class Scores:
    """The scoring rules as SQL over a set of reviews, to select figures from.

    `principle_scores` has a row per review and principle with a score: (review_id, number,
    exact, score, nhs, local_government, vcse, gap, spread), `exact` unrounded for further
    averaging and the rest rounded to PLACES. `review_scores` has a row per review with a
    score: (review_id, score, idx, principles_scored, any_red).
    """

    sql: str
    params: tuple

    @classmethod
    def of(cls, reviews_sql: str, reviews_params, framework: Framework) -> "Scores":
        _, amber = _thresholds()
        return cls(
            _SCORES.replace("%(reviews)s", reviews_sql),
            (framework.pk, *reviews_params, amber),
        )

    @classmethod
    def of_ids(cls, review_ids, framework: Framework) -> "Scores":
        return cls.of(", ".join(["%s"] * len(review_ids)), review_ids, framework)

    def rows(self, select: str, params=()) -> list[tuple]:
        return _rows(f"WITH {self.sql} {select}", (*self.params, *params))


def overall_rag(score, any_red) -> str | None:
    """The partners' overall RAG: the thresholds on the mean, then the weakest link."""
    rag = scoring.rag_for(score)
    return scoring.AMBER if rag == scoring.GREEN and any_red else rag


# What the report page shows.


@dataclass(frozen=True)
class PrincipleSummary:
    number: int
    name: str
    partnerships: int  # with a score for this principle
    average: float | None
    lowest: float | None
    highest: float | None
    red: int
    amber: int
    green: int

    @property
    def spread(self) -> float | None:
        if self.lowest is None or self.highest is None:
            return None
        return round(self.highest - self.lowest, PLACES)

    @property
    def rag(self) -> str | None:
        return scoring.rag_for(self.average)


@dataclass(frozen=True)
class Cell:
    score: float | None
    rag: str | None


@dataclass(frozen=True)
class HeatmapRow:
    partnership_code: object
    partnership_name: str
    review_code: object
    closed_on: datetime.date
    index: float | None
    rag: str | None
    cells: tuple[Cell, ...]  # one per principle, in number order


@dataclass(frozen=True)
class Gap:
    partnership_code: object
    partnership_name: str
    review_code: object
    number: int
    principle: str
    nhs: float
    vcse: float
    gap: float

    @property
    def flag(self) -> str | None:
        return scoring.gap_flag_for(self.gap)


@dataclass(frozen=True)
class QuarterTrend:
    year: int
    quarter: int
    reviews: int
    index: float | None
    scores: tuple[float | None, ...]  # average per principle, in number order

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
    average_index: float | None = None
    bands: list[Band] = field(default_factory=list)
    heatmap: list[HeatmapRow] = field(default_factory=list)
    heatmap_page: int = 1
    heatmap_pages: int = 1
    gaps: list[Gap] = field(default_factory=list)
    quarters: list[QuarterTrend] = field(default_factory=list)
    actions_open: int = 0
    actions_overdue: int = 0
    overdue_actions: list[Action] = field(default_factory=list)

    @property
    def trend_rows(self) -> list[tuple[int, str, list[float | None]]]:
        """The trend a principle a row, for the table beside the chart."""
        return [
            (number, name, [quarter.scores[i] for quarter in self.quarters])
            for i, (number, name) in enumerate(self.principles)
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

    closed_sql, closed_params = _sql(closed.values("pk"))
    with _scored_tables(closed_sql, closed_params, framework):
        _summaries(report)
        _bands(report)
        _gaps(report)
        _heatmap(report, page, per_page)
        _quarters(report)
    return report


# The report's scores are worked out once per page, into temporary tables (one database
# connection's own, gone when it ends), from which each figure is a cheap query.
PRINCIPLES, REVIEWS, LATEST = "report_principle_scores", "report_review_scores", "report_latest"
# The closed reviews of the report: (pk, partnership_id, closed_on).
CLOSED = "report_closed_reviews"


@contextmanager
def _scored_tables(closed_sql, closed_params, framework):
    _, amber = _thresholds()
    closed = f"SELECT pk FROM {CLOSED}"  # nosec B608 - a constant table name
    latest = f"""SELECT pk AS id FROM (SELECT pk, ROW_NUMBER() OVER (PARTITION BY partnership_id
        ORDER BY closed_on DESC, pk DESC) AS position FROM {CLOSED}) ranked
        WHERE position = 1"""  # nosec B608 - a constant table name
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic():
        _execute(
            f"CREATE TEMPORARY TABLE {CLOSED} AS SELECT id AS pk, partnership_id, closed_on "
            f"FROM {_T['review']} WHERE id IN ({closed_sql})",  # nosec B608
            closed_params,
        )
        if postgresql:
            # Planned from the real number of reviews rather than a guess through the
            # filters: a commissioner's few hundred are read through the indexes
            # (assessments by review, ratings by assessment), the platform's in one pass.
            _execute(f"ANALYZE {CLOSED}", ())
        for sql, params in (
            (
                f"CREATE TEMPORARY TABLE {PRINCIPLES} AS WITH "
                + _PRINCIPLE_SCORES.replace("%(reviews)s", closed)
                + " SELECT * FROM principle_scores",  # nosec B608
                (framework.pk,),
            ),
            (f"CREATE TEMPORARY TABLE {REVIEWS} AS {_review_scores_sql(PRINCIPLES)}", (amber,)),
            (f"CREATE TEMPORARY TABLE {LATEST} AS {latest}", ()),
        ):
            _execute(sql, params)
        if postgresql:
            _execute(f"ANALYZE {PRINCIPLES}, {REVIEWS}, {LATEST}", ())
        yield
        # On an error the transaction's rollback takes the tables away instead.
        tables = (PRINCIPLES, REVIEWS, LATEST, CLOSED)
        if postgresql:
            _execute(f"DROP TABLE {', '.join(tables)}", ())
        else:
            for table in tables:
                _execute(f"DROP TABLE {table}", ())


def _execute(sql, params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _summaries(report):
    green, amber = _thresholds()
    rows = _rows(
        f"""SELECT number, COUNT(score), {_round("AVG(exact)")}, MIN(score), MAX(score),
            SUM(CASE WHEN score < %s THEN 1 ELSE 0 END),
            SUM(CASE WHEN score >= %s AND score < %s THEN 1 ELSE 0 END),
            SUM(CASE WHEN score >= %s THEN 1 ELSE 0 END)
        FROM {PRINCIPLES} WHERE review_id IN (SELECT id FROM {LATEST}) GROUP BY number""",  # nosec B608
        (amber, amber, green, green),
    )
    by_number = {row[0]: row[1:] for row in rows}
    report.summaries = []
    for number, name in report.principles:
        count, average, lowest, highest, red, amber_count, green_count = by_number.get(
            number, (0, None, None, None, 0, 0, 0)
        )
        report.summaries.append(
            PrincipleSummary(
                number=number,
                name=name,
                partnerships=count,
                average=_float(average),
                lowest=_float(lowest),
                highest=_float(highest),
                red=int(red or 0),
                amber=int(amber_count or 0),
                green=int(green_count or 0),
            )
        )


def _bands(report):
    band = "CASE " + " ".join(f"WHEN idx >= {low} THEN {low}" for low in INDEX_BANDS[:0:-1])
    latest = f"FROM {REVIEWS} WHERE review_id IN (SELECT id FROM {LATEST})"  # nosec B608
    rows = _rows(
        f"""SELECT {band} ELSE 0 END, COUNT(*), NULL {latest} GROUP BY {band} ELSE 0 END
        UNION ALL SELECT -1, COUNT(*), {_round("AVG(idx)")} {latest}""",
        (),
    )
    counts = {row[0]: row[1] for row in rows if row[0] >= 0}
    report.bands = [Band(low, counts.get(low, 0)) for low in INDEX_BANDS]
    report.average_index = next(_float(row[2]) for row in rows if row[0] == -1)


def _gaps(report):
    rows = _rows(
        f"""SELECT p.code, p.name, r.code, s.number, s.nhs, s.vcse, s.gap
        FROM {PRINCIPLES} s
        JOIN {_T["review"]} r ON r.id = s.review_id
        JOIN {_T["partnership"]} p ON p.id = r.partnership_id
        WHERE s.review_id IN (SELECT id FROM {LATEST}) AND s.gap IS NOT NULL AND s.gap <> 0
        ORDER BY ABS(s.gap) DESC, p.name, p.id, s.number
        LIMIT {LARGEST_GAPS}""",  # nosec B608
        (),
    )
    names = dict(report.principles)
    report.gaps = [
        Gap(
            _uuid(code),
            name,
            _uuid(review),
            number,
            names.get(number, ""),
            float(nhs),
            float(vcse),
            float(gap),
        )
        for code, name, review, number, nhs, vcse, gap in rows
    ]


def _heatmap(report, page, per_page):
    pages = max(1, -(-report.reviewed // per_page))
    page = min(max(1, page), pages)
    report.heatmap_page, report.heatmap_pages = page, pages
    rows = _rows(
        f"""SELECT r.id, p.code, p.name, r.code, r.closed_on
        FROM {_T["review"]} r JOIN {_T["partnership"]} p ON p.id = r.partnership_id
        WHERE r.id IN (SELECT id FROM {LATEST})
        ORDER BY p.name, p.id LIMIT {int(per_page)} OFFSET {int((page - 1) * per_page)}""",  # nosec B608
        (),
    )
    ids = [row[0] for row in rows]
    scored = _by_review(
        _rows(
            f"""SELECT s.review_id, s.number, s.score, s.nhs, s.local_government, s.vcse,
                s.gap, s.spread, t.idx, t.score, t.any_red
            FROM {PRINCIPLES} s JOIN {REVIEWS} t ON t.review_id = s.review_id
            WHERE s.review_id IN ({", ".join(["%s"] * len(ids)) or "NULL"})""",  # nosec B608
            ids,
        )
    )
    numbers = [number for number, _ in report.principles]
    report.heatmap = []
    for review_id, code, name, review_code, closed_on in rows:
        figures = scored.get(review_id, {})
        index, rag = figures.get(None, (None, None))
        cells = tuple(
            Cell(score, scoring.rag_for(score))
            for score in (figures.get(number, (None,))[0] for number in numbers)
        )
        report.heatmap.append(
            HeatmapRow(_uuid(code), name, _uuid(review_code), _date(closed_on), index, rag, cells)
        )


def _uuid(value):
    # SQLite keeps UUIDs as hex text.
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def review_scores(review_ids, framework: Framework) -> dict:
    """The scores of a chunk of reviews, for the reviews export.

    {review id: {principle number: (score, nhs, local government, vcse, gap, spread),
    None: (index, the partners' overall RAG)}}; a review without scores is left out.
    """
    review_ids = list(review_ids)
    if not review_ids:
        return {}
    return _by_review(
        Scores.of_ids(review_ids, framework).rows(
            """SELECT s.review_id, s.number, s.score, s.nhs, s.local_government, s.vcse,
                s.gap, s.spread, t.idx, t.score, t.any_red
            FROM principle_scores s JOIN review_scores t ON t.review_id = s.review_id"""
        )
    )


def _by_review(rows) -> dict:
    found = {}
    for review_id, number, *figures, index, mean, any_red in rows:
        entry = found.setdefault(
            review_id, {None: (_float(index), overall_rag(_float(mean), any_red))}
        )
        entry[number] = tuple(_float(value) for value in figures)
    return found


def _quarters(report):
    quarter = _quarter_sql("r.closed_on")
    dated = f"JOIN {CLOSED} r ON r.pk = s.review_id"
    rows = _rows(
        f"""SELECT {quarter}, s.number, {_round("AVG(s.exact)")}, NULL
        FROM {PRINCIPLES} s {dated} GROUP BY {quarter}, s.number
        UNION ALL
        SELECT {quarter}, -1, {_round("AVG(s.idx)")}, COUNT(*)
        FROM {REVIEWS} s {dated} GROUP BY {quarter}""",  # nosec B608
        (),
    )
    by_quarter = {}
    for key, number, value, reviews in rows:
        by_quarter.setdefault(int(key), {})[number] = (_float(value), reviews)
    report.quarters = []
    for key, entry in sorted(by_quarter.items()):
        index, reviews = entry.get(-1, (None, 0))
        report.quarters.append(
            QuarterTrend(
                year=key // 10,
                quarter=key % 10,
                reviews=int(reviews or 0),
                index=index,
                scores=tuple(entry.get(number, (None,))[0] for number, _ in report.principles),
            )
        )


def _quarter_sql(column: str) -> str:
    """Year × 10 + quarter as a whole number, in the database's own dialect."""
    if connection.vendor == "sqlite":
        year = f"CAST(strftime('%%Y', {column}) AS INTEGER)"
        month = f"CAST(strftime('%%m', {column}) AS INTEGER)"
        return f"({year} * 10 + ({month} + 2) / 3)"
    year = f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
    return f"({year} * 10 + CAST(EXTRACT(QUARTER FROM {column}) AS INTEGER))"


def group_averages(user, partnership: Partnership, framework: Framework) -> list[dict]:
    """The averages of the partnership's ICB and NHS region, to compare its scores with.

    Each group is the partnerships the person can see in that ICB or region (nothing from
    outside the gate, not even inside an average), scored by their latest closed review on
    the framework; an average is given only when at least MIN_GROUP_FOR_AVERAGE partnerships
    have one.
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
        closed_sql, params = _sql(closed_reviews_for(user, filters).values("pk"))
        scores = Scores.of(_latest_sql(closed_sql), params, framework)
        rows = scores.rows(
            f"""SELECT number, {_round("AVG(exact)")}, NULL FROM principle_scores GROUP BY number
            UNION ALL SELECT -1, {_round("AVG(idx)")}, COUNT(*) FROM review_scores"""  # nosec B608
        )
        by_number = {row[0]: _float(row[1]) for row in rows}
        size = next(int(row[2]) for row in rows if row[0] == -1)
        shown = size >= MIN_GROUP_FOR_AVERAGE
        averages.append(
            {
                "kind": kind,
                "name": name,
                "size": size,
                "shown": shown,
                "index": by_number.get(-1) if shown else None,
                "scores": {n: s for n, s in by_number.items() if n != -1} if shown else {},
            }
        )
    return averages
