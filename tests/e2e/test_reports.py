"""The reports area in Chromium, as the demo's platform admin, checked with axe-core.

The admin's sign-in needs a second factor, which tests/e2e/test_two_factor.py walks through;
here the browser starts with a session already past it, made the way the view tests make
theirs.
"""

import re

from playwright.sync_api import Page, expect

from organisations.models import User

from .conftest import check_page, screenshot, signed_in

ADMIN = "admin@partnershiphealth.example"


def test_the_report_page_as_an_admin(page: Page, context, live_server, demo_data):
    signed_in(context, live_server, User.objects.get(email=ADMIN))
    page.goto("/")
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    expect(page.get_by_role("table", name="Average score per principle")).to_be_visible()
    expect(
        page.get_by_role("img", name="Distribution of the partnership health index")
    ).to_be_visible()
    check_page(page)
    screenshot(page, "reports")

    # A filter goes into the address, and the report follows it.
    page.get_by_label("NHS region").select_option("North West")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"region=North\+West"))
    check_page(page)

    # A date that does not exist is explained, not fatal.
    page.goto("/partnerships/reports/?closed_to_day=31&closed_to_month=2&closed_to_year=2026")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_page(page)

    # One partnership's report, from the heatmap.
    page.goto("/partnerships/reports/")
    page.get_by_role("table", name="Scores of each partnership by principle").get_by_role(
        "link"
    ).first.click()
    expect(page.get_by_text("Partnership report", exact=True)).to_be_visible()
    check_page(page)
    screenshot(page, "partnership-report")
