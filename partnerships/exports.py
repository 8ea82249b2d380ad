"""The report's files: CSV, an Excel workbook and PDFs of the filtered set.

Every file lists the sets of the report page (partnerships.reports), rows streamed from the
database a chunk at a time, so memory stays flat however many rows there are. Scores are
the stored results of closed reviews (partnerships/results.py), shown by the scoring
module's rule: to FILE places in files, with bands and gap flags decided on the figure as a
screen shows it, so a file and a page never disagree on a band or a flag. The columns are
written down once, in partnerships/export_columns.py: the CSV's names do not change.
"""

import csv
import datetime
import io
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, CharField, Count, F, Q, TextField, Value, When
from django.db.models.functions import Cast, Concat, Left
from django.db.models.lookups import In
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from config.email import email_send
from organisations import identifiers
from organisations.models import Organisation, OrganisationIdentifier, Side
from partnerships import export_columns, reports, scoring
from partnerships.models import Action, Participant, PrincipleResult, Review, ReviewResult
from partnerships.tasks import build_report_workbook
from partnerships.withholding import comment_author, organisation_rows, shown

# A cell that starts with one of these is read as a formula by spreadsheet programs
# (OWASP, "CSV injection"); a leading apostrophe makes it plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_STARTS = frozenset(FORMULA_STARTS)
CHUNK = 5000  # rows fetched from the database at a time
REVIEW_CHUNK = 500  # reviews whose stored results are read at a time, for the reviews file
BOM = "\ufeff"  # so Excel reads the CSV as UTF-8: £ and accents intact
BOLD = Font(bold=True)


def neutralise(value):
    """Text that a spreadsheet would run as a formula, made inert. Numbers and dates pass."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def filename(*parts: str, extension: str, on: datetime.date | None = None) -> str:
    """partnership-health-<parts>-<YYYY-MM-DD>.<extension>: ASCII, no path, no quotes."""
    on = on or timezone.localdate()
    words = [slugify(part)[:60].strip("-") for part in ("partnership-health", *parts)]
    return "-".join([*filter(None, words), on.isoformat()]) + f".{extension}"


def _id(field: str):
    """A public identifier as text, made by PostgreSQL rather than row by row in Python.

    SQLite stores UUIDs without hyphens, so there Django's own conversion writes them.
    """
    if connection.vendor == "postgresql":
        return Cast(field, output_field=CharField())
    return F(field)


def _side_of(field: str):
    """An organisation's side (NHS, local government, VCSE, other) from its kind, in SQL."""
    return Case(
        *(
            When(**{field: kind}, then=Value(str(side)))
            for kind, side in Organisation.SIDE_OF_KIND.items()
        ),
        default=Value(str(Side.OTHER)),
        output_field=CharField(),
    )


def _inert(field: str):
    """A text field made inert as neutralise() makes it, by the database: a quote before
    text that starts like a formula. The ratings file's free text is made so, and its rows
    then pass to the CSV writer as they come: checking each of its cells in Python took a
    seventh of the file's time, the database does it in about half that."""
    return Case(
        When(
            In(Left(field, 1), list(FORMULA_STARTS)),
            then=Concat(Value("'"), F(field), output_field=TextField()),
        ),
        default=F(field),
        output_field=TextField(),
    )


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


@dataclass(frozen=True)
class Sheet:
    """One CSV file, and one sheet of the workbook."""

    kind: str  # the CSV's name in the URL and the file name
    title: str
    columns: tuple[export_columns.Column, ...]
    rows: Callable[[], Iterator[tuple]]
    # Every text cell of its rows is already as neutralise() leaves it (made so in SQL).
    inert: bool = False
    # The same rows with their text as typed, for the workbook, which keeps text as text by
    # the cell's type rather than by an apostrophe; None: `rows` are as typed.
    typed_rows: Callable[[], Iterator[tuple]] | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The CSV's header: the columns' stable machine names."""
        return tuple(column.name for column in self.columns)


KINDS = (
    "partnerships",
    "organisations",
    "reviews",
    "ratings",
    "comments",
    "actions",
    "concerns",
)
LABELS = {
    "partnerships": "Partnerships",
    "organisations": "Organisations in each partnership",
    "reviews": "Reviews, with scores per principle",
    "ratings": "Statement ratings behind the scores",
    "comments": "Comments shared with the partners",
    "actions": "Actions",
    "concerns": "Concerns between reviews",
}


def sheets(user, filters: reports.Filters) -> dict[str, Sheet]:
    """The six files of the filtered set, in the order the workbook holds them."""
    found = {
        "partnerships": _partnerships_sheet(user, filters),
        "organisations": _organisations_sheet(user, filters),
        "reviews": _reviews_sheet(user, filters),
        "ratings": _ratings_sheet(user, filters),
        "comments": _comments_sheet(user, filters),
        "actions": _actions_sheet(user, filters),
        "concerns": _concerns_sheet(user, filters),
    }
    return {kind: found[kind] for kind in KINDS}


def _partnerships_sheet(user, filters):
    columns = export_columns.PARTNERSHIPS

    def rows():
        partnerships = (
            reports.partnerships_for(user, filters)
            .annotate(
                current_partners=Count("participants", filter=Q(participants__left_on__isnull=True))
            )
            .order_by("name", "pk")
            .values_list(
                _id("code"),
                "name",
                "kind",
                "service_area",
                "icb__name",
                "icb__ods_code",
                "icb__region",
                "framework__name",
                "framework__version",
                "starts_on",
                "ends_on",
                "annual_value",
                "contract_reference",
                "review_frequency_months",
                "next_review_due",
                "current_partners",
            )
        )
        for row in partnerships.iterator(chunk_size=CHUNK):
            code, name, kind, area, icb, ods, region, fw_name, fw_version, *rest = row
            framework = f"{fw_name} ({fw_version})"
            starts, ends, value, reference, frequency, due, partners = rest
            yield (
                code,
                name,
                kind,
                area,
                icb,
                ods,
                region,
                framework,
                starts,
                ends,
                value,
                reference,
                frequency,
                due,
                partners,
            )

    return Sheet("partnerships", "Partnerships", columns, rows)


def _organisations_sheet(user, filters):
    columns = export_columns.ORGANISATIONS

    def rows():
        participants = (
            Participant.objects.filter(
                partnership__in=reports.partnerships_for(user, filters).values("pk")
            )
            .order_by("partnership__name", "partnership_id", "organisation__name", "pk")
            .values_list(
                _id("partnership__code"),
                "partnership__name",
                _id("organisation__code"),
                "organisation__name",
                "organisation__kind",
                _side_of("organisation__kind"),
                "role",
                "joined_on",
                "left_on",
                "organisation__ods_code",
                "organisation__charity_number",
                "organisation__charity_regulator",
                "organisation__company_number",
                "organisation__region",
                "organisation__income_band",
                "organisation_id",
            )
        )
        # The identifiers organisations hold beside those on their row (a second regulator,
        # a former number): few, so read once.
        others = {}
        for organisation_id, scheme, value in (
            OrganisationIdentifier.objects.filter(
                organisation__participations__partnership__in=reports.partnerships_for(
                    user, filters
                ).values("pk")
            )
            .distinct()
            .values_list("organisation_id", "scheme", "value")
        ):
            others.setdefault(organisation_id, []).append(identifiers.org_id(scheme, value))
        for *row, organisation_id in participants.iterator(chunk_size=CHUNK):
            # ODS code, charity number, regulator and company number, as listed above.
            found = identifiers.org_ids_of(*row[9:13]) + others.get(organisation_id, [])
            yield (*row, "; ".join(found))

    return Sheet("organisations", "Organisations", columns, rows)


INDEX_PLACES = 1  # the index in files, 0–100 to one decimal place (README)


def _reviews_sheet(user, filters):
    framework = filters.framework
    numbers = list(framework.principles.values_list("number", flat=True)) if framework else []
    columns = (*export_columns.REVIEWS, *export_columns.principle_columns(numbers))

    def rows():
        if framework is None:
            return
        today = timezone.localdate()
        reviews = (
            reports.reviews_for(user, filters)
            .order_by("pk")
            .values_list(
                "pk",
                _id("partnership__code"),
                "partnership__name",
                _id("code"),
                "state",
                "opened_on",
                "due_on",
                "closed_on",
                "overall_rag",
            )
        )
        last = 0
        while True:
            # Keyset pages, each with its closed reviews' stored results.
            chunk = list(reviews.filter(pk__gt=last)[:REVIEW_CHUNK])
            if not chunk:
                return
            last = chunk[-1][0]
            closed = [row[0] for row in chunk if row[4] == Review.State.CLOSED]
            totals, principles = _stored_results(closed, user)
            for pk, code, name, review_code, state, opened, due, closed_on, rag in chunk:
                index, score, lowest = totals.get(pk, (None, None, None))
                yield (
                    code,
                    name,
                    review_code,
                    str(framework),
                    state,
                    opened,
                    due,
                    closed_on,
                    _timeliness(state, due, closed_on, today),
                    rag,
                    scoring.shown_index(index, INDEX_PLACES),
                    scoring.overall_rag(score, lowest),
                    *(
                        value
                        for n in numbers
                        for value in _principle_figures(principles.get((pk, n)))
                    ),
                )

    return Sheet("reviews", "Reviews", columns, rows)


def _timeliness(state, due, closed_on, today):
    if state == Review.State.CLOSED:
        return "on_time" if closed_on <= due else "late"
    return "overdue" if due < today else "open"


def _stored_results(review_ids, user) -> tuple[dict, dict]:
    """The stored results of closed reviews as `user` may see them (withholding.shown):
    {review id: (index, score, lowest)} and
    {(review id, principle number): (score, nhs, local government, vcse, spread)}."""
    if not review_ids:
        return {}, {}
    totals = ReviewResult.objects.filter(review__in=review_ids).values_list(
        "review_id", *(shown(name, user=user) for name in ("index", "score", "lowest"))
    )
    principles = (
        PrincipleResult.objects.filter(review__in=review_ids)
        .order_by()
        .values_list(
            "review_id",
            "principle__number",
            *(
                shown(name, user=user)
                for name in ("score", "nhs", "local_government", "vcse", "spread")
            ),
        )
    )
    return (
        {review_id: figures for review_id, *figures in totals},
        {(review_id, number): figures for review_id, number, *figures in principles},
    )


def _principle_figures(figures):
    if figures is None:
        return (None,) * len(export_columns.PRINCIPLE_FIGURES)
    score, nhs, local_government, vcse, spread = figures
    return (
        scoring.shown(score, scoring.FILE),
        scoring.rag_for(score),
        scoring.shown(nhs, scoring.FILE),
        scoring.shown(local_government, scoring.FILE),
        scoring.shown(vcse, scoring.FILE),
        scoring.shown_gap(nhs, vcse, scoring.FILE),
        # The flag of the gap a screen shows, as the band is the score's on screen.
        scoring.gap_flag_for(scoring.shown_gap(nhs, vcse)),
        scoring.shown(spread, scoring.FILE),
    )


def _ratings_sheet(user, filters):
    columns = export_columns.RATINGS

    def rows():
        return ratings_queryset(user, filters).iterator(chunk_size=CHUNK)

    def typed_rows():
        return ratings_queryset(user, filters, inert=False).iterator(chunk_size=CHUNK)

    return Sheet("ratings", "Ratings", columns, rows, inert=True, typed_rows=typed_rows)


def _comments_sheet(user, filters):
    """The comments their writers shared, of the closed reviews' submitted assessments,
    attributed as each review's visibility says (withholding.comment_author)."""
    columns = export_columns.COMMENTS
    sides = [f"assessment__review__result__{side}_submitted" for side in scoring.SIDES]

    def rows():
        comments = (
            reports.ratings_for(user, filters)
            .filter(comment_shared=True)
            .exclude(comment="")
            # By statement, then by the text: the order says nothing of who wrote them.
            .order_by(
                "assessment__review_id",
                "statement__principle__number",
                "statement__order",
                "comment",
                "pk",
            )
            .values_list(
                _id("assessment__review__partnership__code"),
                "assessment__review__partnership__name",
                _id("assessment__review__code"),
                "assessment__review__closed_on",
                "statement__principle__number",
                "statement__principle__name",
                "statement__order",
                "statement__text",
                "assessment__review__visibility",
                "assessment__organisation__name",
                "assessment__organisation__kind",
                "assessment__review__result__min_per_side",
                *sides,
                "comment",
            )
        )
        for row in comments.iterator(chunk_size=CHUNK):
            *start, visibility, name, kind, least = row[:12]
            author = comment_author(
                user=user,
                visibility=visibility,
                name=name,
                side=str(Organisation.SIDE_OF_KIND[kind]),
                submitted=dict(zip(scoring.SIDES, row[12:15], strict=True)),
                min_per_side=least,
            )
            yield (*start, author, row[15])

    return Sheet("comments", "Comments", columns, rows)


def ratings_queryset(user, filters, *, inert=True):
    """The ratings file's rows, worked out by the database so each passes straight through;
    with `inert` False, its free text as typed (for the workbook)."""
    text = _inert if inert else F
    return (
        reports.ratings_for(user, filters)
        # A confidential review's ratings are each organisation's own (withholding).
        .filter(
            organisation_rows(
                user, review="assessment__review", organisation="assessment__organisation"
            )
        )
        .order_by("assessment__review_id", "assessment__organisation__name", "statement_id")
        .values_list(
            # The free text is made inert here; the rest cannot start like a formula
            # (identifiers, a side's name, "yes") or is not text. So the file's writer
            # passes each row through as it comes (Sheet.inert).
            _id("assessment__review__partnership__code"),
            text("assessment__review__partnership__name"),
            _id("assessment__review__code"),
            "assessment__review__closed_on",
            _id("assessment__organisation__code"),
            text("assessment__organisation__name"),
            _side_of("assessment__organisation__kind"),
            "statement__principle__number",
            text("statement__principle__name"),
            "statement__order",
            text("statement__text"),
            "score",
            Case(When(score__isnull=True, then=Value("yes")), default=Value("")),
        )
    )


def _actions_sheet(user, filters):
    columns = export_columns.ACTIONS

    def rows():
        today = timezone.localdate()
        actions = (
            reports.actions_for(user, filters)
            .order_by("partnership__name", "partnership_id", "due_on", "pk")
            .values_list(
                _id("partnership__code"),
                "partnership__name",
                _id("code"),
                "description",
                "principle__number",
                "principle__name",
                _id("review__code"),
                "owner_organisation__name",
                "owner__first_name",
                "owner__last_name",
                "due_on",
                "status",
                "created_at",
            )
        )
        for row in actions.iterator(chunk_size=CHUNK):
            *start, first, last, due, status, created = row
            overdue = status == Action.Status.OPEN and due is not None and due < today
            owner = f"{first or ''} {last or ''}".strip() or None
            yield (
                *start,
                owner,
                due,
                status,
                _yes(overdue),
                timezone.localdate(created),
            )

    return Sheet("actions", "Actions", columns, rows)


def _concerns_sheet(user, filters):
    """The concerns the person may see; what was written stays on the concern's page."""
    columns = export_columns.CONCERNS

    def rows():
        concerns = (
            reports.concerns_for(user, filters)
            .order_by("partnership__name", "partnership_id", "raised_at", "pk")
            .values_list(
                _id("partnership__code"),
                "partnership__name",
                _id("code"),
                "partnership__icb__name",
                "organisation__name",
                "principle__number",
                "principle__name",
                "raised_at",
                "visibility",
                "state",
                "acknowledge_by",
                "acknowledged_at",
                "respond_by",
                "responded_at",
                "responded_in_time",
                "days_to_respond",
                "outcome",
                "escalated_at",
            )
        )
        for row in concerns.iterator(chunk_size=CHUNK):
            *start, raised, visibility, state, ack_by, acked, respond_by, answered = row[:14]
            in_time, days, outcome, escalated = row[14:]
            yield (
                *start,
                timezone.localdate(raised),
                visibility,
                state,
                ack_by,
                timezone.localdate(acked) if acked else None,
                respond_by,
                timezone.localdate(answered) if answered else None,
                "" if in_time is None else ("yes" if in_time else "no"),
                days,
                outcome,
                _yes(escalated is not None),
            )

    return Sheet("concerns", "Concerns", columns, rows)


# CSV


def csv_chunks(sheet: Sheet, *, rows_per_chunk: int = 1000) -> Iterator[str]:
    """The CSV as text chunks: a byte-order mark and the header, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(sheet.names)
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    count = 0
    checked = not sheet.inert
    for row in sheet.rows():
        # Inline rather than a call per cell: the ratings file has millions of cells.
        writer.writerow(
            [neutralise(v) if isinstance(v, str) and v[:1] in _STARTS else v for v in row]
            if checked
            else row
        )
        count += 1
        if count == rows_per_chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            count = 0
    if count:
        yield buffer.getvalue()


# Excel


def write_workbook(path: Path, sheets: Iterable[Sheet]) -> None:
    """A workbook with a README and a sheet per CSV, written row by row (openpyxl's
    write-only mode keeps only the current row in memory).

    Each sheet has people's headings in a bold, frozen first row with a filter, columns wide
    enough for most values, and dates, scores and amounts formatted. Text that a spreadsheet
    would read as a formula is stored as a text cell, so it shows as typed, with no apostrophe.
    """
    workbook = Workbook(write_only=True)
    readme = workbook.create_sheet("README")  # first, though written last: it counts rows
    written = []
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.title)
        written.append((sheet, _write_sheet(worksheet, sheet)))
    _write_readme(readme, written)
    workbook.save(path)


def _write_sheet(worksheet, sheet: Sheet) -> int:
    columns = sheet.columns
    worksheet.freeze_panes = "A2"
    for number, column in enumerate(columns, start=1):
        worksheet.column_dimensions[get_column_letter(number)].width = column.width
    worksheet.append([_bold(worksheet, column.heading) for column in columns])
    formats = [(i, c.number_format) for i, c in enumerate(columns) if c.number_format]
    count = 0
    for row in (sheet.typed_rows or sheet.rows)():
        cells = list(row)
        for i, number_format in formats:
            if cells[i] is not None:
                cells[i] = WriteOnlyCell(worksheet, value=cells[i])
                cells[i].number_format = number_format
        for i, value in enumerate(cells):
            if isinstance(value, str):
                if value[:1] in _STARTS:
                    cells[i] = _text(worksheet, value)
            elif isinstance(value, uuid.UUID):
                cells[i] = str(value)
        worksheet.append(cells)
        count += 1
    if columns:
        worksheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    return count


def _bold(worksheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(worksheet, value=value)
    cell.font = BOLD
    return cell


def _text(worksheet, value: str) -> WriteOnlyCell:
    """A string cell whatever it starts with: openpyxl would otherwise store "=..." as a
    formula. Excel's quote prefix keeps it text when someone edits the cell, unseen."""
    cell = WriteOnlyCell(worksheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _write_readme(worksheet, written) -> None:
    about = settings.SITE_URL + reverse("partnerships:report_downloads")
    for letter, width in {"A": 18, "B": 60, "C": 10}.items():
        worksheet.column_dimensions[letter].width = width
    worksheet.append([_bold(worksheet, "Partnership Health: report workbook")])
    worksheet.append([f"What each column holds: {about}"])
    worksheet.append([])
    worksheet.append([_bold(worksheet, heading) for heading in ("Sheet", "One row per", "Rows")])
    for sheet, count in written:
        worksheet.append([sheet.title, export_columns.ONE_ROW_PER[sheet.kind], count])


def workbook_rows(user, filters) -> int:
    """How big the workbook will be: the ratings are by far its largest sheet."""
    return ratings_queryset(user, filters).count()


def exports_dir(user) -> Path:
    """Where a person's background workbooks wait for download; only they are shown them."""
    return Path(settings.MEDIA_ROOT) / "exports" / str(user.pk)


# PDF


_SVG_START = re.compile(r"(<svg\b[^>]*>)")
# WeasyPrint reports each step of every PDF at INFO; only its warnings are worth a log line.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def render_pdf(template: str, context: dict, request=None) -> bytes:
    """The HTML of a template, printed by WeasyPrint (imported here: it loads Pango).

    The charts are the page's own SVG; WeasyPrint styles an inline SVG only from a style
    element inside it, so each gets the chart rules there.
    """
    from weasyprint import HTML

    html = render_to_string(template, context, request=request)
    chart_rules = render_to_string("partnerships/pdf/charts.css")
    html = _SVG_START.sub(lambda m: f"{m.group(1)}<style>{chart_rules}</style>", html)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


# Workbooks too large to build during a request.


def workbook_queue(*, user, filters: reports.Filters) -> uuid.UUID:
    """Marks a workbook as being prepared and queues its build once the request commits."""
    export_id = uuid.uuid4()
    folder = exports_dir(user)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{export_id}.pending").touch()
    query = filters.query()
    transaction.on_commit(
        lambda: build_report_workbook.delay(user_id=user.pk, query=query, export_id=str(export_id))
    )
    return export_id


def workbook_build(*, user_id: int, query: dict, export_id: str) -> Path | None:
    """Builds a queued workbook and emails its link to the person who asked for it.

    The person's access is checked again now, with the filters read afresh through the
    form, so the file holds what they may see today. A build that has already finished is
    not done again (nor emailed again), so a repeated message changes nothing.
    """
    from organisations.models import User
    from partnerships.access import can_see_reports
    from partnerships.forms.reports import ReportFilterForm

    user = User.objects.filter(pk=user_id, is_active=True).first()
    export_id = str(uuid.UUID(export_id))
    if user is None:
        return None
    folder = exports_dir(user)
    target = folder / f"{export_id}.xlsx"
    if target.exists():
        return target
    partial = folder / f"{export_id}.xlsx.part"
    try:
        if not can_see_reports(user):
            raise PermissionError(f"User {user_id} may no longer see reports.")
        filters = ReportFilterForm(QueryDict(urlencode(query)), user=user).filters()
        folder.mkdir(parents=True, exist_ok=True)
        write_workbook(partial, sheets(user, filters).values())
        partial.replace(target)  # atomic: the download never sees half a file
    except Exception:
        (folder / f"{export_id}.failed").touch()
        partial.unlink(missing_ok=True)
        raise
    finally:
        (folder / f"{export_id}.pending").unlink(missing_ok=True)
    link = settings.SITE_URL + reverse("partnerships:report_export", args=[export_id])
    context = {"user": user, "link": link, "keep_days": EXPORT_KEEP_DAYS}
    email_send("export_ready", context, to=[user.email])
    _remove_old_exports(folder)
    return target


EXPORT_KEEP_DAYS = 7


def _remove_old_exports(folder: Path) -> None:
    cutoff = timezone.now().timestamp() - EXPORT_KEEP_DAYS * 24 * 60 * 60
    for path in folder.iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def export_state(user, export_id) -> tuple[str, Path | None]:
    """("ready", file), ("pending", None), ("failed", None) or ("missing", None)."""
    folder = exports_dir(user)
    ready = folder / f"{export_id}.xlsx"
    if ready.exists():
        return "ready", ready
    for state in ("pending", "failed"):
        if (folder / f"{export_id}.{state}").exists():
            return state, None
    return "missing", None
