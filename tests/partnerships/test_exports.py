"""CSV and Excel exports: the page's numbers, the gate, formula injection, the audit trail."""

import csv
import datetime
import io
import re
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl.utils import get_column_letter

from organisations.models import AuditEvent, Organisation
from partnerships import exports, results, scoring
from partnerships.forms.reports import ReportFilterForm
from partnerships.models import Action, Assessment, Participant, Rating, Review
from partnerships.templatetags.scores import index as index_filter
from partnerships.templatetags.scores import score as score_filter
from tests.partnerships.report_seed import (
    EDGES,
    INJECTION,
    assessed,
    expected_latest,
    seed,
    tables,
)

COLUMNS = {
    "partnerships": "partnership_id,name,type,service_area,icb,icb_ods_code,nhs_region,framework,"
    "starts_on,ends_on,annual_value_gbp,contract_reference,review_frequency_months,"
    "next_review_due,current_partners",
    "organisations": "partnership_id,partnership,organisation_id,organisation,organisation_type,"
    "side,role,joined_on,left_on,ods_code,charity_number,charity_regulator,company_number,"
    "nhs_region,income_band,org_ids",
    "ratings": "partnership_id,partnership,review_id,review_closed_on,organisation_id,"
    "organisation,side,principle_number,principle,statement_number,statement,score,dont_know",
    "actions": "partnership_id,partnership,action_id,description,principle_number,principle,"
    "review_id,owner_organisation,owner,due_on,status,overdue,created_on",
}
REVIEW_COLUMNS = (
    "partnership_id,partnership,review_id,framework,state,opened_on,due_on,closed_on,timeliness,"
    "commissioner_rating,index,partners_rating"
)
FIGURES = ("score", "rag", "nhs", "local_government", "vcse", "gap", "gap_flag", "spread")


@pytest.fixture
def seeded(framework, icb, charity, partnership, carol):
    return seed(framework=framework, icb=icb, charity=charity, partnership=partnership, carol=carol)


def _csv(client, user, which, **query):
    client.force_login(user)
    response = client.get(reverse("partnerships:report_csv", kwargs={"kind": which}), query)
    assert response.status_code == 200, response
    return response, b"".join(response.streaming_content)


def _rows(body: bytes) -> list[dict]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_each_csv_has_a_bom_its_stable_columns_and_a_dated_safe_name(client, ada, seeded):
    today = timezone.localdate().isoformat()
    for kind, columns in {**COLUMNS, "reviews": REVIEW_COLUMNS}.items():
        response, body = _csv(client, ada, kind)
        assert body.startswith(b"\xef\xbb\xbf" + columns.encode())
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        name = re.fullmatch(
            r'attachment; filename="(partnership-health-[a-z]+-(\d{4}-\d\d-\d\d)\.csv)"',
            response["Content-Disposition"],
        )
        assert name and name.group(2) == today, response["Content-Disposition"]


def test_the_reviews_csv_has_the_columns_of_every_principle(client, ada, seeded):
    _, body = _csv(client, ada, "reviews")
    header = body.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[12:] == [f"principle_{n}_{f}" for n in range(1, 8) for f in FIGURES]


def test_text_with_pound_signs_and_accents_survives(client, ada, seeded):
    _, body = _csv(client, ada, "partnerships")
    assert "– £ café" in body.decode("utf-8")
    _, body = _csv(client, ada, "organisations")
    assert "Café Ünited" in body.decode("utf-8")


def test_dates_are_iso(client, ada, seeded):
    rows = _rows(_csv(client, ada, "reviews")[1])
    for row in rows:
        for column in ("opened_on", "due_on"):
            assert datetime.date.fromisoformat(row[column])


def test_the_reviews_csv_holds_the_stored_results_and_agrees_with_the_page(client, ada, seeded):
    """Each closed review's row is its stored result, as its results page reads it: figures
    to two places half up, the gap the NHS side minus the VCSE side as the file shows them,
    bands and flags as on screen."""
    rows = {row["review_id"]: row for row in _rows(_csv(client, ada, "reviews")[1])}
    reviews = Review.objects.all()
    assert len(rows) == reviews.count()
    latest = expected_latest(seeded.north_partnerships + seeded.south_partnerships)

    for review in reviews.filter(state=Review.State.CLOSED):
        row, result = rows[str(review.code)], results.stored_result(review)
        assert row["index"] == _text(scoring.shown_index(result.index, 1))
        assert row["partners_rating"] == (result.rag or "")
        expected_timeliness = "on_time" if review.closed_on <= review.due_on else "late"
        assert row["timeliness"] == expected_timeliness
        for p in result.principles:
            prefix = f"principle_{p.number}_"
            nhs, vcse = p.side_means["nhs"], p.side_means["vcse"]
            assert row[prefix + "score"] == _two(p.score)
            assert row[prefix + "rag"] == (p.rag or "")
            assert row[prefix + "nhs"] == _two(nhs)
            assert row[prefix + "local_government"] == _two(p.side_means["local_government"])
            assert row[prefix + "vcse"] == _two(vcse)
            gap = None if p.gap is None else scoring.shown(nhs, 2) - scoring.shown(vcse, 2)
            assert row[prefix + "gap"] == _text(gap)
            assert row[prefix + "gap_flag"] == (p.gap_flag or "")
            assert row[prefix + "spread"] == _two(p.spread)

    # The page shows the same latest reviews: each figure the file's, to one place, and in
    # the same band.
    client.force_login(ada)
    heatmap = tables(client.get(reverse("partnerships:reports")).text)["heatmap"]
    shown = {row[0].split("Closed")[0].strip(): row for row in heatmap[1:]}
    for partnership, (review, _) in latest.items():
        row = rows[str(review.code)]
        assert shown[partnership.name][1] == index_filter(_number(row["index"]))
        for n in range(1, 8):
            figure, band = row[f"principle_{n}_score"], row[f"principle_{n}_rag"]
            expected = f"{score_filter(_number(figure))} {band.capitalize()}" if figure else "–"
            assert shown[partnership.name][1 + n] == expected


def _text(value):
    return "" if value is None else str(value)


def _two(value):
    """A stored figure as files show it: two decimal places, half up."""
    return "" if value is None else f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"


def _number(text):
    return None if text == "" else Decimal(text)


def test_a_file_and_a_page_agree_on_every_band_and_flag(client, ada, framework, icb, charity):
    """3.958… is 3.96 in the file and 4.0 on screen: green in both. A gap of 0.42 in the file
    shows as 0.5 on screen and is flagged watch in both; 0.92 shows as 1.0, significant."""
    review = assessed("Edge partnership", framework, icb, charity, EDGES)
    (row,) = _rows(_csv(client, ada, "reviews")[1])
    assert row["review_id"] == str(review.code)
    assert [row["principle_1_score"], row["principle_1_rag"]] == ["3.96", "green"]
    assert [row["principle_4_score"], row["principle_4_rag"]] == ["2.96", "amber"]
    assert [row["principle_2_gap"], row["principle_2_gap_flag"]] == ["0.42", "watch"]
    assert [row["principle_3_gap"], row["principle_3_gap_flag"]] == ["0.92", "significant"]

    page = tables(client.get(reverse("partnerships:reports")).text)
    gaps = {cells[1].split(".")[0]: cells[4] for cells in page["gaps"][1:]}
    assert gaps["2"] == "+0.5 Watch" and gaps["3"] == "+1.0 Significant"
    cells = page["heatmap"][1][2:]
    for n in range(1, 8):
        assert cells[n - 1].split()[1].lower() == row[f"principle_{n}_rag"]


def test_the_partners_rating_is_never_green_with_a_red_principle(
    client, ada, framework, icb, charity
):
    """4.4 overall, but principle 7 is red: amber in the file and the report, as on the
    results page (the weakest link)."""
    strong = {n: ([5] * 4, [5] * 4) for n in range(1, 7)}
    review = assessed("Weak link", framework, icb, charity, {**strong, 7: ([1] * 4, [1] * 4)})
    result = results.stored_result(review)
    assert scoring.rag_for(result.score) == "green" and result.rag == "amber"
    (row,) = _rows(_csv(client, ada, "reviews")[1])
    assert row["partners_rating"] == "amber"
    client.force_login(ada)
    (heatmap_row,) = client.get(reverse("partnerships:reports")).context["report"].heatmap
    assert heatmap_row.rag == "amber"


def test_open_reviews_are_listed_without_scores(client, ada, seeded):
    rows = _rows(_csv(client, ada, "reviews")[1])
    opened = [row for row in rows if row["state"] == "open"]
    assert len(opened) == Review.objects.filter(state=Review.State.OPEN).count()
    assert {row["timeliness"] for row in opened} <= {"open", "overdue"}
    assert all(row["index"] == "" and row["principle_1_score"] == "" for row in opened)


def test_the_ratings_csv_holds_each_submitted_rating_of_a_closed_review(client, ada, seeded):
    rows = _rows(_csv(client, ada, "ratings")[1])
    ratings = Rating.objects.filter(
        assessment__state=Assessment.State.SUBMITTED,
        assessment__review__state=Review.State.CLOSED,
    )
    assert len(rows) == ratings.count() > 1000
    assert sum(row["dont_know"] == "yes" for row in rows) == ratings.filter(score=None).count()
    assert sum(int(row["score"] or 0) for row in rows) == sum(r.score or 0 for r in ratings)


def test_a_commissioner_exports_only_their_partnerships(client, carol, ada, seeded):
    """Two tenants; every file, row for row, holds only Carol's side."""
    north = {str(p.code) for p in seeded.north_partnerships}
    expected = {
        "partnerships": len(north),
        "organisations": Participant.objects.filter(
            partnership__in=seeded.north_partnerships
        ).count(),
        "reviews": Review.objects.filter(partnership__in=seeded.north_partnerships).count(),
        "ratings": Rating.objects.filter(
            assessment__state=Assessment.State.SUBMITTED,
            assessment__review__state=Review.State.CLOSED,
            assessment__review__partnership__in=seeded.north_partnerships,
        ).count(),
        "actions": Action.objects.filter(partnership__in=seeded.north_partnerships).count(),
    }
    for kind, count in expected.items():
        rows = _rows(_csv(client, carol, kind)[1])
        assert len(rows) == count, kind
        assert {row["partnership_id"] for row in rows} <= north, kind
        everyone = _rows(_csv(client, ada, kind)[1])
        assert len(everyone) > count, kind


def test_a_charity_lead_cannot_export(client, alice, seeded):
    client.force_login(alice)
    for name, kwargs in [
        ("partnerships:report_csv", {"kind": "ratings"}),
        ("partnerships:report_xlsx", {}),
        ("partnerships:report_pdf", {}),
    ]:
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 403


def test_an_unknown_file_is_not_found(client, ada):
    client.force_login(ada)
    assert (
        client.get(reverse("partnerships:report_csv", kwargs={"kind": "users"})).status_code == 404
    )


def test_the_filters_choose_the_rows(client, ada, seeded):
    rows = _rows(_csv(client, ada, "partnerships", icb=seeded.south.code)[1])
    assert {row["partnership_id"] for row in rows} == {
        str(p.code) for p in seeded.south_partnerships
    }


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_neutralise_makes_a_formula_plain_text(start):
    assert exports.neutralise(f"{start}1+1") == f"'{start}1+1"
    assert exports.neutralise(f"a{start}1") == f"a{start}1"


def test_neutralise_leaves_numbers_and_dates():
    for value in (-1.5, -3, datetime.date(2026, 1, 1), None, ""):
        assert exports.neutralise(value) == value


def test_formula_injection_is_neutralised_in_csv(client, ada, seeded):
    rows = _rows(_csv(client, ada, "actions")[1])
    descriptions = [row["description"] for row in rows]
    assert "'" + INJECTION in descriptions
    assert INJECTION not in descriptions
    assert not any(cell[:1] in "=+-@\t\r" for row in rows for cell in row.values() if cell)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_the_ratings_file_has_its_free_text_made_inert_by_the_database(client, ada, seeded, start):
    """The ratings file's rows pass to the writer unchecked (Sheet.inert): its partnership,
    organisation, principle and statement text is made inert in SQL, as neutralise() would."""
    rating = Rating.objects.filter(
        assessment__state=Assessment.State.SUBMITTED, assessment__review__state="closed"
    ).select_related("assessment__review__partnership", "assessment__organisation", "statement")
    rating = rating.order_by("pk").first()
    statement, principle = rating.statement, rating.statement.principle
    named = {
        "partnership": rating.assessment.review.partnership,
        "organisation": rating.assessment.organisation,
        "principle": principle,
    }
    for column, thing in named.items():
        thing.name = f"{start}{column}"
        thing.save(update_fields=["name"])
    statement.text = f"{start}statement"
    statement.save(update_fields=["text"])
    sheet = exports.sheets(ada, ReportFilterForm({}, user=ada).filters())["ratings"]
    assert sheet.inert
    rows = list(sheet.rows())
    assert rows and all([exports.neutralise(v) for v in row] == list(row) for row in rows)
    written = _rows(_csv(client, ada, "ratings")[1])
    assert not any(cell[:1] in "=+-@\t\r" for row in written for cell in row.values() if cell)
    for column in (*named, "statement"):
        assert f"'{start}{column}" in {row[column] for row in written}, column


def _workbook(client, user, **query):
    client.force_login(user)
    response = client.get(reverse("partnerships:report_xlsx"), query)
    assert response.status_code == 200
    assert re.fullmatch(
        r'attachment; filename="partnership-health-report-\d{4}-\d\d-\d\d\.xlsx"',
        response["Content-Disposition"],
    )
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_formula_injection_is_text_in_excel_as_typed(client, ada, seeded):
    """The workbook keeps such text as a text cell, without the CSV's visible apostrophe."""
    workbook = _workbook(client, ada)
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    injected = [cell for cell in cells if cell.value == INJECTION]
    assert injected and all(cell.data_type == "s" and cell.quotePrefix for cell in injected)
    assert not any(isinstance(c.value, str) and c.value.startswith("'=") for c in cells)
    assert not any(
        cell.data_type == "f" for sheet in workbook for row in sheet.iter_rows() for cell in row
    )


def test_the_workbook_holds_a_sheet_per_csv_with_the_same_rows(client, ada, seeded):
    workbook = _workbook(client, ada)
    titles = [
        "Partnerships",
        "Organisations",
        "Reviews",
        "Ratings",
        "Comments",
        "Actions",
        "Concerns",
    ]
    assert workbook.sheetnames == ["README", *titles]
    sheets = exports.sheets(ada, ReportFilterForm({}, user=ada).filters())
    for kind, title in zip(exports.KINDS, titles, strict=True):
        body = _csv(client, ada, kind)[1].decode("utf-8-sig")
        names, *expected = list(csv.reader(io.StringIO(body)))
        headings, *sheet = list(workbook[title].iter_rows(values_only=True))
        # People's headings in the workbook; the CSV keeps its stable names.
        assert names == [column.name for column in sheets[kind].columns]
        assert list(headings) == [column.heading for column in sheets[kind].columns]
        assert len(sheet) == len(expected), kind
        for got, want in zip(sheet, expected, strict=True):
            assert all(_same(cell, text) for cell, text in zip(got, want, strict=True)), (
                kind,
                got,
                want,
            )


def _same(cell, text: str) -> bool:
    """A workbook cell holds what the CSV's text says: numbers as numbers, dates as dates."""
    if cell is None:
        return text == ""
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat() == text
    if isinstance(cell, int | float):
        return float(text) == cell
    if text[:2] in {f"'{start}" for start in exports.FORMULA_STARTS}:
        return cell == text[1:]  # the CSV's apostrophe; the workbook's cell is text by type
    return cell == text


def test_the_workbook_reads_as_a_spreadsheet_for_people(client, ada, seeded):
    workbook = _workbook(client, ada)
    for sheet in workbook.worksheets[1:]:
        last = get_column_letter(sheet.max_column)
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}", sheet.title
        assert all(cell.font.b for cell in sheet[1]), sheet.title
        widths = [sheet.column_dimensions[get_column_letter(n)].width for n in range(1, 4)]
        assert all(9 <= width <= 50 for width in widths), (sheet.title, widths)

    def column(sheet, heading):
        headings = [cell.value for cell in sheet[1]]
        return [row[headings.index(heading)] for row in sheet.iter_rows(min_row=2)]

    partnerships = workbook["Partnerships"]
    assert {c.number_format for c in column(partnerships, "Next review due") if c.value} == {
        "d mmm yyyy"
    }
    values = [c for c in column(partnerships, "Annual value (£)") if c.value is not None]
    assert values and {c.number_format for c in values} == {'"£"#,##0.00'}
    scores = [c for c in column(workbook["Reviews"], "Principle 1 score") if c.value is not None]
    assert scores and {c.number_format for c in scores} == {"0.00"}

    readme = list(workbook["README"].iter_rows(values_only=True))
    assert "/partnerships/reports/downloads/" in readme[1][0]
    rows = {title: count for title, _, count in readme[4:]}
    assert rows == {sheet.title: sheet.max_row - 1 for sheet in workbook.worksheets[1:]}


def test_a_commissioners_workbook_holds_only_their_partnerships(client, carol, seeded):
    north = {str(p.code) for p in seeded.north_partnerships}
    workbook = _workbook(client, carol)
    for sheet in workbook.worksheets[1:]:  # after the README
        ids = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert ids <= north, sheet.title


def test_every_export_is_recorded_with_its_filters(client, carol, seeded, partnership):
    _csv(client, carol, "ratings", kind="grant")
    _workbook(client, carol, kind="grant")
    client.get(reverse("partnerships:report_pdf"), {"kind": "grant"})
    client.get(reverse("partnerships:partnership_pdf", kwargs={"code": partnership.code}))
    events = list(AuditEvent.objects.filter(action__startswith="export.").order_by("id"))
    assert [e.action for e in events] == ["export.csv", "export.xlsx", "export.pdf", "export.pdf"]
    assert all(e.actor == carol and e.at for e in events)
    assert events[0].changes["file"] == "ratings"
    for event in events[:3]:
        assert event.changes["filters"]["kind"] == "grant"
        assert "framework" in event.changes["filters"]
    assert events[3].object_id == str(partnership.code)


def test_a_large_workbook_is_built_in_the_background_and_emailed(
    client, carol, seeded, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EXPORT_BACKGROUND_FROM_ROWS = 1
    settings.MEDIA_ROOT = tmp_path
    client.force_login(carol)
    url = reverse("partnerships:report_xlsx")
    page = client.get(url, {"kind": "grant"})
    assert "Prepare the workbook" in page.text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{url}?kind=grant")
    assert response.status_code == 302
    download = response.url
    assert AuditEvent.objects.filter(action="export.xlsx", changes__background=True).exists()

    (message,) = mail.outbox
    assert message.to == [carol.email]
    assert download in message.body

    response = client.get(download)
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    grant = {str(p.code) for p in seeded.north_partnerships if p.kind == "grant"}
    ids = {row[0] for row in workbook["Partnerships"].iter_rows(min_row=2, values_only=True)}
    assert ids == grant

    # The link is the requester's alone.
    client.force_login(seeded.erin)
    assert client.get(download).status_code == 404


def test_a_workbook_still_being_prepared_says_so(client, carol, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    folder = exports.exports_dir(carol)
    folder.mkdir(parents=True)
    (folder / "0b6f2b8e-5a3e-4b56-9a59-0cc1f2d1f6a1.pending").touch()
    client.force_login(carol)
    response = client.get(
        reverse(
            "partnerships:report_export",
            kwargs={"export_id": "0b6f2b8e-5a3e-4b56-9a59-0cc1f2d1f6a1"},
        )
    )
    assert response.status_code == 200
    assert "Your workbook is being prepared" in response.text


def test_a_repeated_build_changes_nothing(carol, seeded, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    export_id = "0b6f2b8e-5a3e-4b56-9a59-0cc1f2d1f6a1"
    built = exports.workbook_build(user_id=carol.pk, query={}, export_id=export_id)
    again = exports.workbook_build(user_id=carol.pk, query={}, export_id=export_id)
    assert built == again and built.exists()
    assert len(mail.outbox) == 1


def test_file_names_are_safe(settings):
    name = exports.filename('../"Evil"\r\nname\\é', extension="pdf", on=datetime.date(2026, 4, 1))
    assert name == "partnership-health-evil-namee-2026-04-01.pdf"


def test_the_organisations_file_gives_each_its_org_ids(client, ada, seeded):
    rows = _rows(_csv(client, ada, "organisations")[1])
    by_name = {row["organisation"]: row["org_ids"] for row in rows}
    assert by_name["NHS North Valley ICB"] == "GB-NHS-QNV"
    assert by_name["Riverside Mind"] == "GB-CHC-1123456"


def test_the_organisations_file_gives_every_identifier_an_organisation_holds(client, ada, seeded):
    riverside = Organisation.objects.get(name="Riverside Mind")
    riverside.other_identifiers.create(scheme="OSCR", value="SC045458")

    rows = _rows(_csv(client, ada, "organisations")[1])

    by_name = {row["organisation"]: row["org_ids"] for row in rows}
    assert by_name["Riverside Mind"] == "GB-CHC-1123456; GB-SC-SC045458"
