"""Journey: a concern raised between reviews, answered and closed, each email once.

Grace, the charity lead of Northdale Carers Centre, raises a concern about the mental health
alliance on Proportionality, for the lead commissioner's eyes only. Rhys, of the council,
another partner, cannot open it (404). Priya, the lead commissioner, finds it on her
dashboard, acknowledges it and answers it; Grace closes it, satisfied. The emails go
through a real SMTP server on loopback (aiosmtpd, as the reminder tests use): each step's
one email arrives once. Every page is checked with axe, at 320 px and with text at 200%;
the journey runs with a mouse and with the keyboard alone.
"""

import pytest
from playwright.sync_api import Page, expect

from organisations.models import User
from partnerships.management.commands.seed_demo import PARTNERSHIPS
from partnerships.models import Concern, Partnership
from tests.partnerships.smtp_sink import SmtpSink

from .conftest import check_page, screenshot, signed_in
from .people import Person

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


def _as(browser, live_server, email, keyboard=False) -> Person:
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    signed_in(context, live_server, User.objects.get(email=email))
    return Person(context.new_page(), keyboard=keyboard)


def _select(person: Person, locator, label: str) -> None:
    """Chooses an option of a select: with the keyboard, by typing its first letters."""
    if person.keyboard:
        person.tab_to(locator)
        person.page.keyboard.type(label[:4])
    else:
        locator.select_option(label=label)


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


@pytest.mark.parametrize("keyboard", [False, True], ids=["mouse", "keyboard"])
def test_a_concern_is_raised_answered_and_closed(browser, live_server, demo_data, smtp, keyboard):
    alliance = Partnership.objects.get(name=PARTNERSHIPS["alliance"]["name"])
    how = "keyboard" if keyboard else "mouse"

    # Grace raises it from the partnership page.
    raiser = _as(browser, live_server, GRACE, keyboard)
    grace = raiser.page
    grace.goto(f"/partnerships/{alliance.code}/")
    raiser.follow(grace.get_by_role("link", name="View or raise concerns"))
    expect(_heading(grace)).to_have_text("Concerns")
    check_page(grace)
    raiser.follow(grace.get_by_role("button", name="Raise a concern"))
    expect(_heading(grace)).to_have_text("Raise a concern")
    expect(grace.get_by_test_id("concern-accountability")).to_contain_text(
        "raised in your organisation’s name (Northdale Carers Centre), not anonymously"
    )
    raiser.follow(grace.get_by_role("button", name="Raise the concern"))  # empty first
    expect(grace.locator(".govuk-error-summary")).to_contain_text("Enter what happened")
    check_page(grace)
    principle = grace.get_by_label("Which principle does it touch? (optional)")
    _select(raiser, principle, "5. Proportionality")
    expect(principle).to_have_value(str(alliance.framework.principles.get(number=5).pk))
    raiser.type(grace.get_by_label("What happened?"), WHAT_HAPPENED)
    raiser.type(grace.get_by_label("What would you like to happen?"), "The four-page template.")
    raiser.choose(
        grace.get_by_role("group", name="Who may see it?"),
        "The lead commissioner and platform admins only",
    )
    screenshot(grace, f"concern-raise-{how}")
    raiser.follow(grace.get_by_role("button", name="Raise the concern"))
    expect(_heading(grace)).to_have_text("Concern raised by Northdale Carers Centre")
    expect(grace.get_by_text("Your concern is raised.")).to_be_visible()
    check_page(grace)
    concern = Concern.objects.get(what_happened=WHAT_HAPPENED)
    concern_url = f"/partnerships/{alliance.code}/concerns/{concern.code}/"

    # Rhys, of another partner, cannot open a concern for the lead only.
    rhys = _as(browser, live_server, RHYS).page
    assert rhys.goto(concern_url).status == 404

    # Priya acknowledges it, then answers it.
    lead = _as(browser, live_server, PRIYA, keyboard)
    priya = lead.page
    priya.goto("/")
    expect(priya.get_by_role("heading", name="Concerns awaiting your answer")).to_be_visible()
    check_page(priya)
    lead.follow(
        priya.get_by_role("link", name="Northdale Carers Centre’s concern about Proportionality")
    )
    lead.follow(priya.get_by_role("button", name="Acknowledge the concern"))
    expect(priya.get_by_text("The concern is acknowledged.")).to_be_visible()
    check_page(priya)
    lead.follow(priya.get_by_role("button", name="Answer the concern"))
    expect(_heading(priya)).to_have_text("Answer the concern")
    lead.follow(priya.get_by_role("button", name="Send the response"))  # empty first
    expect(priya.locator(".govuk-error-summary")).to_contain_text("Enter your response")
    check_page(priya)
    lead.type(priya.get_by_label("Your response"), RESPONSE)
    lead.follow(priya.get_by_role("button", name="Send the response"))
    expect(priya.get_by_text("Your response is sent to Northdale Carers Centre.")).to_be_visible()

    # Grace closes it, satisfied.
    grace.goto(concern_url)
    expect(grace.get_by_text(RESPONSE)).to_be_visible()
    raiser.follow(grace.get_by_role("button", name="Close the concern"))
    expect(_heading(grace)).to_have_text("Close the concern")
    check_page(grace)
    raiser.choose(
        grace.get_by_role("group", name="Are you satisfied with the response?"), "Yes, satisfied"
    )
    raiser.type(grace.get_by_label("In a sentence, why?"), "The shorter template is agreed.")
    raiser.follow(grace.get_by_role("button", name="Close the concern"))
    expect(grace.get_by_text("The concern is closed.")).to_be_visible()
    expect(grace.get_by_test_id("concern-state")).to_contain_text("Closed: satisfied")
    check_page(grace)
    screenshot(grace, f"concern-closed-{how}")

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
