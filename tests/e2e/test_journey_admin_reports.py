"""Journey 3: a platform admin filters the reports and downloads them.

Morgan, the demo's platform admin, signs in with a password and a code from an
authenticator app, narrows the report to one NHS region and a range of closing dates, and
downloads a CSV, the Excel workbook and one partnership's PDF. Each file is opened as a
spreadsheet program or PDF reader would, and holds the filtered rows and nothing else.

Besides the demo's North West partnerships there is one in London (the cast's Riverside
Partnership) and an old review of the demo's place-based partnership, closed before the
chosen dates, as the demo's confidential review is: the filters must leave them out.
"""

import csv
import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from organisations.models import Organisation, User
from partnerships.management.commands.seed_demo import (
    DEMO_PASSWORD,
    LEAD_COMMISSIONER,
    PARTNERSHIPS,
)
from partnerships.models import Assessment, Partnership, Rating, Review
from tests.conftest import submit

from .conftest import check_page, screenshot

ADMIN = "admin@partnershiphealth.example"
STATEMENTS = 28  # seven principles of four statements each


@pytest.fixture
def reports_world(demo_data, partnership, closed_review):
    """The demo, a London partnership, and a North West review closed long before."""
    today = timezone.localdate()
    place = Partnership.objects.get(name=PARTNERSHIPS["place"]["name"])
    old = Review.objects.create(
        partnership=place,
        framework=place.framework,
        opened_by=User.objects.get(email=LEAD_COMMISSIONER),
        opened_on=today - datetime.timedelta(days=430),
        due_on=today - datetime.timedelta(days=400),
        state=Review.State.CLOSED,
        closed_on=today - datetime.timedelta(days=395),
        overall_rag="green",
    )
    council = Organisation.objects.get(name="North Valley Metropolitan Borough Council")
    submit(Assessment.objects.create(review=old, organisation=council))
    london = Assessment.objects.create(review=closed_review, organisation=partnership.icb)
    submit(london)


def _sign_in_with_a_code(page: Page) -> None:
    device = TOTPDevice.objects.create(
        user=User.objects.get(email=ADMIN), name="Authenticator app", confirmed=True
    )
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill(ADMIN)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    page.get_by_label("Code").fill(f"{TOTP(device.bin_key).token():06d}")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def _closed_date(page: Page, legend: str, day: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    for label, value in (("Day", day.day), ("Month", day.month), ("Year", day.year)):
        group.get_by_label(label).fill(str(value))


def _download(page: Page, link_name: str, folder: Path) -> Path:
    """Saved under the name the server gives, as a browser would."""
    with page.expect_download() as download:
        page.get_by_role("link", name=link_name).click()
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    return path


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def test_an_admin_filters_the_reports_and_downloads_them(
    page: Page, live_server, reports_world, tmp_path
):
    today = timezone.localdate()
    alliance = Partnership.objects.get(name=PARTNERSHIPS["alliance"]["name"])
    north_west = sorted(spec["name"] for spec in PARTNERSHIPS.values())
    alliance_ratings = Rating.objects.filter(
        assessment__review__partnership=alliance, assessment__state=Assessment.State.SUBMITTED
    ).count()
    assert alliance_ratings == 5 * STATEMENTS

    _sign_in_with_a_code(page)
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    expect(page.get_by_text("Every partnership on the service: 5 partnerships.")).to_be_visible()

    # A date that does not exist is explained, and the report leaves it out meanwhile.
    page.get_by_label("NHS region").select_option("North West")
    group = page.get_by_role("group", name="Reviews closed to (optional)")
    for label, value in (("Day", "31"), ("Month", "2"), ("Year", str(today.year))):
        group.get_by_label(label).fill(value)
    page.get_by_role("button", name="Apply filters").click()
    expect(
        page.locator(".govuk-error-summary").get_by_role("link", name="Reviews closed to")
    ).to_be_visible()
    check_page(page)

    # The last 100 days in the North West: the alliance's review, not the older one.
    _closed_date(page, "Reviews closed from (optional)", today - datetime.timedelta(days=100))
    _closed_date(page, "Reviews closed to (optional)", today)
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"region=North\+West"))
    expect(page).to_have_url(re.compile(rf"closed_to_year={today.year}"))
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    expect(page.get_by_text("that matches the filters: 4 partnerships.")).to_be_visible()
    heatmap = page.get_by_role("table", name="Scores of each partnership by principle")
    expect(heatmap.get_by_role("link")).to_have_text([alliance.name])
    check_page(page)
    screenshot(page, "journey-reports-filtered")

    partnerships = _csv(_download(page, "Partnerships (CSV)", tmp_path))
    assert sorted(row["name"] for row in partnerships) == north_west
    assert {row["nhs_region"] for row in partnerships} == {"North West"}

    reviews = _csv(_download(page, "Reviews, with scores per principle (CSV)", tmp_path))
    # The closed review in the dates, and the open one, which dates do not filter.
    assert sorted((row["partnership"], row["state"]) for row in reviews) == [
        (PARTNERSHIPS["contract"]["name"], "open"),
        (alliance.name, "closed"),
    ]

    workbook = load_workbook(_download(page, "Excel workbook", tmp_path), read_only=True)
    assert workbook.sheetnames == [
        "README",
        "Partnerships",
        "Organisations",
        "Reviews",
        "Ratings",
        "Comments",
        "Actions",
        "Concerns",
    ]
    sheet_rows = {
        name: list(workbook[name].iter_rows(values_only=True))
        for name in ("Partnerships", "Reviews", "Ratings")
    }
    workbook.close()
    assert sorted(row[1] for row in sheet_rows["Partnerships"][1:]) == north_west
    assert len(sheet_rows["Reviews"]) == 1 + 2
    ratings = sheet_rows["Ratings"]
    assert ratings[0][:2] == ("Partnership ID", "Partnership")  # people's headings
    assert len(ratings) == 1 + alliance_ratings
    assert {row[1] for row in ratings[1:]} == {alliance.name}

    # One partnership's report, from the heatmap, and its PDF.
    heatmap.get_by_role("link", name=alliance.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(alliance.name)
    check_page(page)
    screenshot(page, "journey-partnership-report")
    pdf = PdfReader(_download(page, "Download this report (PDF)", tmp_path))
    text = "\n".join(pdf_page.extract_text() for pdf_page in pdf.pages)
    assert alliance.name in text
    for name in ("Transparency", "Proportionality", "Scores by principle"):
        assert name in text
    assert PARTNERSHIPS["contract"]["name"] not in text
