"""Journey: a concern raised between reviews, answered and closed, each email once.

Grace, the charity lead of Northdale Carers Centre, raises a concern about the mental health
alliance on Proportionality, for the lead commissioner's eyes only. Rhys, of the council,
another partner, cannot open it (404). Priya, the lead commissioner, finds it on her
dashboard, acknowledges it and answers it; Grace closes it, satisfied. The emails go
through a real SMTP server on loopback (aiosmtpd, as the reminder tests use): each step's
one email arrives once. Every page is checked with axe, at 320 px and with text at 200%.
"""

import pytest
from playwright.sync_api import Page, expect

from organisations.models import User
from partnerships.management.commands.seed_demo import PARTNERSHIPS
from partnerships.models import Concern, Partnership
from tests.partnerships.smtp_sink import SmtpSink

from .conftest import check_page, screenshot, signed_in

GRACE = "grace.mensah@northdalecarers.example"
PRIYA = "priya.shah@northvalley-icb.example"
RHYS = "rhys.morgan@northvalley-council.example"
WHAT_HAPPENED = "The annual report template grew to 30 pages for a grant of £38,000."
RESPONSE = "We will go back to the four-page template from next year, agreed with you."


@pytest.fixture
def smtp(settings):
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "config.email.SmtpBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", sink.port, 5
    yield sink
    sink.stop()


def _as(browser, live_server, email) -> Page:
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    signed_in(context, live_server, User.objects.get(email=email))
    return context.new_page()


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_a_concern_is_raised_answered_and_closed(browser, live_server, demo_data, smtp):
    alliance = Partnership.objects.get(name=PARTNERSHIPS["alliance"]["name"])

    # Grace raises it from the partnership page.
    grace = _as(browser, live_server, GRACE)
    grace.goto(f"/partnerships/{alliance.code}/")
    grace.get_by_role("link", name="View or raise concerns").click()
    expect(_heading(grace)).to_have_text("Concerns")
    check_page(grace)
    grace.get_by_role("button", name="Raise a concern").click()
    expect(_heading(grace)).to_have_text("Raise a concern")
    expect(grace.get_by_test_id("concern-accountability")).to_contain_text(
        "raised in your organisation’s name (Northdale Carers Centre), not anonymously"
    )
    grace.get_by_role("button", name="Raise the concern").click()  # empty first
    expect(grace.locator(".govuk-error-summary")).to_contain_text("Enter what happened")
    check_page(grace)
    grace.get_by_label("Which principle does it touch? (optional)").select_option(
        label="5. Proportionality"
    )
    grace.get_by_label("What happened?").fill(WHAT_HAPPENED)
    grace.get_by_label("What would you like to happen?").fill("The four-page template back.")
    grace.get_by_label("The lead commissioner and platform admins only").check()
    screenshot(grace, "concern-raise")
    grace.get_by_role("button", name="Raise the concern").click()
    expect(_heading(grace)).to_have_text("Concern raised by Northdale Carers Centre")
    expect(grace.get_by_text("Your concern is raised.")).to_be_visible()
    check_page(grace)
    concern = Concern.objects.get(what_happened=WHAT_HAPPENED)
    concern_url = f"/partnerships/{alliance.code}/concerns/{concern.code}/"

    # Rhys, of another partner, cannot open a concern for the lead only.
    rhys = _as(browser, live_server, RHYS)
    assert rhys.goto(concern_url).status == 404

    # Priya acknowledges it, then answers it.
    priya = _as(browser, live_server, PRIYA)
    priya.goto("/")
    expect(priya.get_by_role("heading", name="Concerns awaiting your answer")).to_be_visible()
    check_page(priya)
    priya.get_by_role(
        "link", name=f"{alliance.name}: Northdale Carers Centre’s concern about Proportionality"
    ).click()
    priya.get_by_role("button", name="Acknowledge the concern").click()
    expect(priya.get_by_text("The concern is acknowledged.")).to_be_visible()
    check_page(priya)
    priya.get_by_role("button", name="Answer the concern").click()
    expect(_heading(priya)).to_have_text("Answer the concern")
    priya.get_by_role("button", name="Send the response").click()  # empty first
    expect(priya.locator(".govuk-error-summary")).to_contain_text("Enter your response")
    check_page(priya)
    priya.get_by_label("Your response").fill(RESPONSE)
    priya.get_by_role("button", name="Send the response").click()
    expect(priya.get_by_text("Your response is sent to Northdale Carers Centre.")).to_be_visible()

    # Grace closes it, satisfied.
    grace.goto(concern_url)
    expect(grace.get_by_text(RESPONSE)).to_be_visible()
    grace.get_by_role("button", name="Close the concern").click()
    expect(_heading(grace)).to_have_text("Close the concern")
    check_page(grace)
    grace.get_by_label("Yes, satisfied").check()
    grace.get_by_label("In a sentence, why?").fill("The shorter template is agreed.")
    grace.get_by_role("button", name="Close the concern").click()
    expect(grace.get_by_text("The concern is closed.")).to_be_visible()
    expect(grace.get_by_test_id("concern-state")).to_contain_text("Closed: satisfied")
    check_page(grace)
    screenshot(grace, "concern-closed")

    # One email per step, each to the other side, each once.
    received = sorted((m.to, " ".join(m.subject.split())) for m in smtp.received)
    assert received == sorted(
        [
            ((GRACE,), f"Your concern about {alliance.name} has been acknowledged"),
            ((GRACE,), f"The lead commissioner has answered your concern about {alliance.name}"),
            ((PRIYA,), f"Northdale Carers Centre has raised a concern about {alliance.name}"),
            (
                (PRIYA,),
                f"Northdale Carers Centre has closed its concern about {alliance.name}: satisfied",
            ),
        ]
    )
    assert all(count == 1 for count in smtp.attempts.values())
