"""The reports area in Chromium, as the demo's platform admin, checked with axe-core.

The admin's sign-in needs a second factor, which tests/e2e/test_two_factor.py walks through;
here the browser starts with a session already past it, made the way the view tests make
theirs.
"""

import re

from django.conf import settings
from playwright.sync_api import BrowserContext, Page, expect

from organisations.models import User
from tests.conftest import SignedInClient

from .conftest import assert_no_axe_violations, screenshot

ADMIN = "admin@partnershiphealth.example"


def _signed_in(context: BrowserContext, live_server, email: str) -> None:
    client = SignedInClient()
    client.force_login(User.objects.get(email=email))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def test_the_report_page_as_an_admin(page: Page, context, live_server, demo_data):
    _signed_in(context, live_server, ADMIN)
    page.goto("/")
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    expect(page.get_by_role("table", name="Average score per principle")).to_be_visible()
    expect(
        page.get_by_role("img", name="Distribution of the partnership health index")
    ).to_be_visible()
    assert_no_axe_violations(page)
    screenshot(page, "reports")

    # A filter goes into the address, and the report follows it.
    page.get_by_label("NHS region").select_option("North West")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"region=North\+West"))
    assert_no_axe_violations(page)

    # A date that does not exist is explained, not fatal.
    page.goto("/partnerships/reports/?closed_to_day=31&closed_to_month=2&closed_to_year=2026")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_no_axe_violations(page)

    # One partnership's report, from the heatmap.
    page.goto("/partnerships/reports/")
    page.get_by_role("table", name="Scores of each partnership by principle").get_by_role(
        "link"
    ).first.click()
    expect(page.get_by_text("Partnership report", exact=True)).to_be_visible()
    assert_no_axe_violations(page)
    screenshot(page, "partnership-report")
