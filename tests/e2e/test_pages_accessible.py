"""Every page of the review journeys, in Chromium, checked by axe-core (WCAG 2.2 AA), at
320 px wide and with text at 200%.

Later journeys walk these pages end to end; this module keeps each page and its error
state free of violations as the pages change.
"""

from playwright.sync_api import Page, expect

from partnerships.management.commands.seed_demo import DEMO_PASSWORD, PARTNERSHIPS

from .conftest import check_page, screenshot

LEAD_COMMISSIONER = "priya.shah@northvalley-icb.example"
CHARITY_LEAD = "grace.mensah@northdalecarers.example"


def _sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def _check(page: Page, name: str | None = None) -> None:
    check_page(page)
    if name:
        screenshot(page, name)


def test_the_lead_commissioners_pages(page: Page, live_server, demo_data):
    _sign_in(page, LEAD_COMMISSIONER)
    _check(page)

    page.get_by_role("link", name=PARTNERSHIPS["alliance"]["name"]).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PARTNERSHIPS["alliance"]["name"])
    # It leads with how the partnership is doing, above its details and partners.
    standing = page.get_by_test_id("standing")
    expect(standing.get_by_test_id("latest-result")).to_contain_text("Health index")
    expect(standing.get_by_test_id("latest-gaps")).to_contain_text("significant gap")
    assert (
        standing.bounding_box()["y"]
        < page.get_by_role("heading", name="Partners", exact=True).bounding_box()["y"]
    )
    _check(page, "partnership")
    page.get_by_role("link", name="review results").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Results of the review")
    _check(page, "results")

    # The demo's suggestions each have their action agreed: marked, and linked to it.
    agreed = page.get_by_test_id("agreed")
    expect(agreed.first).to_contain_text("Action agreed: ")
    expect(page.get_by_role("link", name="Add this as an action")).to_have_count(0)
    agreed.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Actions")
    _check(page)
    page.get_by_role("button", name="Add an action").click()
    _check(page)
    page.get_by_label("What needs to happen?").fill("")
    page.get_by_role("button", name="Add action").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check(page)

    page.goto("/")
    page.get_by_role("link", name=PARTNERSHIPS["alliance"]["name"]).first.click()
    page.get_by_role("link", name="View, filter and manage every action").click()
    _check(page)

    page.goto("/")
    page.get_by_role("link", name=PARTNERSHIPS["contract"]["name"]).first.click()
    page.get_by_role("link", name="review", exact=False).first.click()
    _check(page)
    page.get_by_role("button", name="Record the health check").click()
    page.get_by_role("button", name="Save the health check").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check(page)
    page.get_by_role("link", name="Back to the review").click()
    page.get_by_role("button", name="Close the review").click()
    _check(page)

    page.goto("/partnerships/new/")
    page.get_by_role("button", name="Register and add partners").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check(page)


def test_the_charity_leads_self_assessment_pages(page: Page, live_server, demo_data):
    _sign_in(page, CHARITY_LEAD)
    page.get_by_role("link", name="self-assessment").first.click()
    _check(page, "task-list")
    page.get_by_role("link", name="Joint Capability").click()
    _check(page, "principle")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check(page, "principle-errors")
