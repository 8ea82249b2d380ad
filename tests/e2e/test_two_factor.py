"""Two-factor authentication in Chromium: an organisation admin of the demo signs in, is sent
to set up an authenticator app, reads the key off the page as an app would, and signs in
again with a code. Every page is checked with axe."""

import base64

from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from partnerships.management.commands.seed_demo import DEMO_PASSWORD

from .conftest import check_page, screenshot

ORGANISATION_ADMIN = "olu.adeyemi@northvalley-icb.example"


def _sign_in(page: Page) -> None:
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill(ORGANISATION_ADMIN)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _code(key: bytes, later: int = 0) -> str:
    totp = TOTP(key)
    totp.time = totp.time + later
    return f"{totp.token():06d}"


def test_an_organisation_admin_sets_up_two_factor_and_signs_in_with_it(
    page: Page, live_server, demo_data
):
    _sign_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    expect(page.get_by_role("img", name="QR code to add Partnership Health")).to_be_visible()
    check_page(page)
    screenshot(page, "two-factor-set-up")
    _assert_the_qr_code_fits(page, width=320)

    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_page(page)

    page.get_by_text("I cannot scan the QR code").click()
    secret = page.locator("#setup-key").inner_text().replace(" ", "")
    key = base64.b32decode(secret)
    page.get_by_label("Code from your authenticator app").fill(_code(key))
    page.get_by_role("button", name="Turn on two-factor authentication").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(
        10
    )
    check_page(page)
    screenshot(page, "two-factor-recovery-codes")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    page.goto("/accounts/profile/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    check_page(page)
    screenshot(page, "profile")

    page.get_by_role("button", name="Sign out").click()
    _sign_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    check_page(page)
    screenshot(page, "two-factor-verify")
    page.get_by_label("Code").fill("000000" if _code(key, 30) != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_page(page)

    # The next time step: the code that set the app up cannot be used again.
    page.wait_for_timeout(1500)  # past django-otp's one-second pause after a wrong code
    page.get_by_label("Code").fill(_code(key, later=30))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def _assert_the_qr_code_fits(page: Page, width: int) -> None:
    """The QR code shrinks to a narrow screen: whole, inside its column, still square."""
    before = page.viewport_size
    page.set_viewport_size({"width": width, "height": 800})
    try:
        qr, column = page.evaluate(
            """() => {
              const qr = document.querySelector("svg.app-qr");
              const box = el => { const r = el.getBoundingClientRect();
                                  return {left: r.left, right: r.right, width: r.width,
                                          height: r.height}; };
              return [box(qr), box(qr.parentElement)];
            }"""
        )
    finally:
        page.set_viewport_size(before)
    assert column["left"] <= qr["left"] and qr["right"] <= column["right"] + 0.5, (qr, column)
    assert qr["width"] == qr["height"] and qr["width"] >= 200, qr
