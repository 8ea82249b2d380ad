"""Reports and exports: admins see every partnership, commissioners their own
(docs/permissions.md, "Reports and exports").

Every view passes the reports gate first, then reads the filters from the URL, so a report
or a file can be bookmarked and shared; a filter that does not fit is explained on the page
and left out. Every file is recorded in the audit trail with its filters.
"""

import datetime
import tempfile

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode

from organisations.audit import audit, only_organisation
from partnerships import (
    charts,
    export_columns,
    exports,
    report_charts,
    reports,
    results,
    withholding,
)
from partnerships.access import get_partnership, require_reports
from partnerships.forms.reports import ReportFilterForm
from partnerships.models import HealthCheck, Review

# The PDF pack lists this many partnerships in its heatmap; the files hold them all.
PDF_HEATMAP_ROWS = 200

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters(request) -> tuple[ReportFilterForm, reports.Filters]:
    form = ReportFilterForm(request.GET, user=request.user)
    return form, form.filters()


def _page(request) -> int:
    value = request.GET.get("page", "")
    return int(value) if value.isdigit() and len(value) < 7 else 1


def _audit_export(request, what: str, filters: reports.Filters, target=None, **extra) -> None:
    audit(
        request.user,
        f"export.{what}",
        target,
        organisation=only_organisation(request.user),
        changes={"filters": filters.query(), **extra},
    )


def _attachment(response, name: str):
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def reports_page(request):
    require_reports(request.user)
    form, filters = _filters(request)
    report = reports.build_report(request.user, filters, page=_page(request))
    query = filters.query()
    return render(
        request,
        "partnerships/reports.html",
        {
            "form": form,
            "report": report,
            "charts": _charts(report),
            "query": urlencode(query),
            "filtered": bool(set(query) - {"framework"}),
            "kinds": [(kind, exports.LABELS[kind]) for kind in exports.KINDS],
        },
    )


def _charts(report):
    bars = report_charts.principle_bars(
        [(f"{s.number}. {s.name}", s.average, s.lowest, s.highest, s.rag) for s in report.summaries]
    )
    histogram = report_charts.histogram([(str(band.low), band.count) for band in report.bands])
    lines = report_charts.quarter_lines(
        [q.label for q in report.quarters],
        [
            (number, [q.scores[i] for q in report.quarters])
            for i, (number, _) in enumerate(report.principles)
        ],
    )
    gaps = charts.gap_bars(
        [(f"P{g.number} · {g.partnership_name}", g.gap, g.flag) for g in report.gaps]
    )
    return {"bars": bars, "histogram": histogram, "lines": lines, "gaps": gaps}


def report_downloads(request):
    """About these downloads: what each file holds, column by column."""
    require_reports(request.user)
    files = [
        (exports.LABELS["partnerships"], "partnerships", export_columns.PARTNERSHIPS),
        (exports.LABELS["organisations"], "organisations", export_columns.ORGANISATIONS),
        (
            exports.LABELS["reviews"],
            "reviews",
            (*export_columns.REVIEWS, *export_columns.principle_columns(["n"])),
        ),
        (exports.LABELS["ratings"], "ratings", export_columns.RATINGS),
        (exports.LABELS["comments"], "comments", export_columns.COMMENTS),
        (exports.LABELS["actions"], "actions", export_columns.ACTIONS),
        (exports.LABELS["concerns"], "concerns", export_columns.CONCERNS),
    ]
    return render(request, "partnerships/report_downloads.html", {"files": files})


def report_csv(request, kind):
    require_reports(request.user)
    if kind not in exports.KINDS:
        raise Http404("No such export.")
    _, filters = _filters(request)
    sheet = exports.sheets(request.user, filters)[kind]
    _audit_export(request, "csv", filters, file=kind)
    response = StreamingHttpResponse(
        exports.csv_chunks(sheet), content_type="text/csv; charset=utf-8"
    )
    return _attachment(response, exports.filename(kind, extension="csv"))


def report_xlsx(request):
    """Small workbooks come straight back; large ones are built by the worker, on request."""
    require_reports(request.user)
    form, filters = _filters(request)
    rows = exports.workbook_rows(request.user, filters)
    if request.method == "POST":
        export_id = exports.workbook_queue(user=request.user, filters=filters)
        _audit_export(request, "xlsx", filters, background=True, export=str(export_id))
        return redirect("partnerships:report_export", export_id=export_id)
    if rows >= settings.EXPORT_BACKGROUND_FROM_ROWS:
        return render(
            request,
            "partnerships/report_xlsx.html",
            {"form": form, "rows": rows, "query": urlencode(filters.query())},
        )
    _audit_export(request, "xlsx", filters)
    # A temporary file rather than memory: write-only openpyxl streams each sheet to disk.
    workbook = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    exports.write_workbook(workbook, exports.sheets(request.user, filters).values())
    workbook.seek(0)
    response = FileResponse(workbook, content_type=XLSX)
    return _attachment(response, exports.filename("report", extension="xlsx"))


def report_export(request, export_id):
    """A workbook built in the background: only the person who asked for it finds it."""
    require_reports(request.user)
    state, path = exports.export_state(request.user, export_id)
    if state == "missing":
        raise Http404("No such export.")
    if state == "ready":
        made = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC)
        name = exports.filename("report", extension="xlsx", on=timezone.localdate(made))
        return _attachment(FileResponse(path.open("rb"), content_type=XLSX), name)
    return render(request, "partnerships/report_export.html", {"state": state})


def report_pdf(request):
    """The summary pack: the report page's figures, charts and tables, for the filtered set."""
    require_reports(request.user)
    _, filters = _filters(request)
    report = reports.build_report(request.user, filters, per_page=PDF_HEATMAP_ROWS)
    _audit_export(request, "pdf", filters, file="summary")
    pdf = exports.render_pdf(
        "partnerships/report_pdf.html",
        {
            "report": report,
            "charts": _charts(report),
            "pdf": True,
            "heatmap_limit": PDF_HEATMAP_ROWS,
            "made_at": timezone.localtime(),
            "made_by": request.user,
        },
        request=request,
    )
    return _attachment(
        HttpResponse(pdf, content_type="application/pdf"),
        exports.filename("summary", extension="pdf"),
    )


def _partnership_context(request, partnership) -> dict:
    review = (
        partnership.reviews.filter(state=Review.State.CLOSED)
        .select_related("framework")
        .order_by("-closed_on", "-id")
        .first()
    )
    context = {
        "partnership": partnership,
        "review": review,
        "participants": partnership.participants.filter(left_on__isnull=True)
        .select_related("organisation")
        .order_by("organisation__name"),
        "actions": partnership.actions.select_related(
            "owner_organisation", "owner", "principle"
        ).order_by("status", "due_on", "id"),
        "today": timezone.localdate(),
    }
    if review is None:
        return context
    result, trend = results.review_result_and_trend(review, user=request.user)
    principles = result.principles
    health = HealthCheck.objects.filter(review=review).first()
    entries = (
        {e.principle.number: e for e in health.entries.select_related("principle")}
        if health
        else {}
    )
    groups = reports.group_averages(request.user, partnership, review.framework)
    context |= {
        "result": result,
        "trend": trend,
        "trend_parts": [
            _trend_part(trend, start, start + reports.PDF_TREND_QUARTERS)
            for start in range(0, len(trend.labels), reports.PDF_TREND_QUARTERS)
        ],
        "health_check": health,
        "rows": [(p, entries.get(p.number)) for p in principles],
        **results.result_charts(result),
        "groups": groups,
        "comments": withholding.shared_comments(review, result, user=request.user),
        "replies": withholding.replies(review, result, user=request.user),
        "comparison": [
            (p, [group["scores"].get(p.number) for group in groups if group["shown"]])
            for p in principles
        ],
    }
    return context


def _trend_part(trend, start, end) -> dict:
    """Some of the reviews of a trend: the PDF prints a few to a table, to fit across A4."""
    return {
        "labels": trend.labels[start:end],
        "index": trend.index[start:end],
        "principles": [
            {"number": p.number, "name": p.name, "scores": p.scores[start:end]}
            for p in trend.principles
        ],
    }


def partnership_report(request, code):
    require_reports(request.user)
    partnership = get_partnership(request, code, related=("icb", "framework"))
    return render(
        request,
        "partnerships/partnership_report.html",
        _partnership_context(request, partnership),
    )


def partnership_pdf(request, code):
    require_reports(request.user)
    partnership = get_partnership(request, code, related=("icb", "framework"))
    context = _partnership_context(request, partnership)
    audit(
        request.user,
        "export.pdf",
        partnership,
        organisation=only_organisation(request.user),
        changes={"file": "partnership", "partnership": str(partnership.code)},
    )
    pdf = exports.render_pdf(
        "partnerships/partnership_report_pdf.html",
        {**context, "pdf": True, "made_at": timezone.localtime(), "made_by": request.user},
        request=request,
    )
    return _attachment(
        HttpResponse(pdf, content_type="application/pdf"),
        exports.filename(partnership.name, extension="pdf"),
    )
