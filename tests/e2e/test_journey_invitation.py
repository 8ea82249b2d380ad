"""Journey 4: an invited person joins, turns on two-factor sign-in and signs in with a code.

Amy, an admin of Riverside Mind, invites Nia as an editor. Nia follows the link in the
email, creates her account, finds an empty dashboard (Riverside Mind is in no partnership
yet), sets up an authenticator app from her profile, reading the key off the page as an app
would, signs out and signs in again with her password and a code. Every page, the forms
submitted empty among them, is checked with axe, at 320 px and with text at 200%.
"""

import base64
import re
from urllib.parse import urlsplit

from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from .conftest import check_page, screenshot, signed_in

NIA = "nia@newcomer.example"
NIA_PASSWORD = "lantern orchard ferry tuesday"


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def _error_summary(page: Page):
    return page.locator(".govuk-error-summary")


def _code(key: bytes, later: int = 0) -> str:
    totp = TOTP(key)
    totp.time = totp.time + later
    return f"{totp.token():06d}"


def _invite(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name="People").click()
    expect(_heading(page)).to_have_text("People")
    page.get_by_role("button", name="Invite someone").click()
    expect(_heading(page)).to_have_text("Invite someone")
    check_page(page)
    page.get_by_role("button", name="Send invitation").click()
    summary = _error_summary(page)
    expect(summary.get_by_role("link", name="Enter the email address")).to_be_visible()
    expect(summary.get_by_role("link", name="Select admin, editor or viewer")).to_be_visible()
    check_page(page)
    page.get_by_label("Email address").fill(NIA)
    page.get_by_label("Editor", exact=True).check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"We have sent an invitation to {NIA}.")).to_be_visible()
    waiting = page.get_by_role("table", name="Invitations to Riverside Mind waiting")
    expect(waiting.get_by_role("cell", name=NIA, exact=True)).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Sign out").click()


def test_an_invited_person_joins_and_signs_in_with_two_factor(
    page: Page, context, live_server, live_db, amy, mailoutbox
):
    signed_in(context, live_server, amy)
    _invite(page)

    # The link from the email, opened in the signed-out browser.
    [email] = mailoutbox
    assert email.to == [NIA]
    link = re.search(r"https?://\S+/organisations/invitations/\S+/", email.body).group()
    page.goto(urlsplit(link).path)
    expect(_heading(page)).to_have_text("Join Riverside Mind")
    check_page(page)
    page.get_by_role("button", name="Create account and join").click()
    summary = _error_summary(page)
    for problem in ("Enter your first name", "Enter your last name", "Enter a password"):
        expect(summary.get_by_role("link", name=problem)).to_be_visible()
    check_page(page)
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Create a password").fill(NIA_PASSWORD)
    page.get_by_label("Confirm the password").fill(NIA_PASSWORD)
    page.get_by_role("button", name="Create account and join").click()

    # Signed in, with nothing to do yet.
    expect(_heading(page)).to_have_text("Dashboard")
    expect(page.get_by_text("You have joined Riverside Mind.")).to_be_visible()
    expect(page.get_by_text("Your organisations are not in any partnerships yet.")).to_be_visible()
    check_page(page)
    screenshot(page, "dashboard-empty")

    # Two-factor sign-in, from the profile: a wrong code first, then the app's.
    page.get_by_role("link", name="Your profile").click()
    expect(_heading(page)).to_have_text("Your profile")
    check_page(page)
    page.get_by_role("link", name="Set up two-factor authentication").click()
    expect(_heading(page)).to_have_text("Set up two-factor authentication")
    check_page(page)
    page.get_by_text("I cannot scan the QR code").click()
    key = base64.b32decode(page.locator("#setup-key").inner_text().replace(" ", ""))
    page.get_by_label("Code from your authenticator app").fill("12345")
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(_error_summary(page)).to_be_visible()
    check_page(page)
    page.get_by_label("Code from your authenticator app").fill(_code(key))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(_heading(page)).to_have_text("Your recovery codes")
    check_page(page)
    page.get_by_role("button", name="Continue").click()
    expect(_heading(page)).to_have_text("Your profile")
    expect(page.get_by_text("You sign in with your password and a code")).to_be_visible()

    # Signed out, and in again: the password, then a code from the next time step (the
    # code that set the app up cannot be used twice).
    page.get_by_role("button", name="Sign out").click()
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill(NIA)
    page.get_by_label("Password").fill(NIA_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(_heading(page)).to_have_text("Enter your code")
    check_page(page)
    page.get_by_label("Code").fill(_code(key, later=30))
    page.get_by_role("button", name="Continue").click()
    expect(_heading(page)).to_have_text("Dashboard")
    expect(page.get_by_role("link", name="Riverside Mind")).to_be_visible()
