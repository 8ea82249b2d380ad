from playwright.sync_api import Page, expect

from partnerships.management.commands.seed_demo import DEMO_PASSWORD, PARTNERSHIPS

from .conftest import check_page, screenshot

CHARITY_LEAD = "grace.mensah@northdalecarers.example"


def test_a_charity_lead_signs_in_and_sees_their_partnerships(page: Page, live_server, demo_data):
    page.goto("/accounts/sign-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Partnership Health")
    check_page(page)
    screenshot(page, "sign-in")

    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary.get_by_role("link", name="Enter your email address")).to_be_visible()
    expect(summary.get_by_role("link", name="Enter your password")).to_be_visible()
    check_page(page)
    screenshot(page, "sign-in-errors")

    page.get_by_label("Email address").fill(CHARITY_LEAD)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_role("heading", level=2, name="Your partnerships")).to_be_visible()
    table = page.get_by_role("table", name="Partnerships your organisations belong to")
    for key in ("contract", "alliance"):
        expect(table.get_by_role("link", name=PARTNERSHIPS[key]["name"])).to_be_visible()
    # The place-based partnership does not include the charity, so it stays out of sight.
    expect(page.get_by_text(PARTNERSHIPS["place"]["name"])).to_have_count(0)
    check_page(page)
    screenshot(page, "dashboard")
