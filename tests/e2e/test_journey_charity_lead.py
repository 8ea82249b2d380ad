"""Journey 1: a charity lead completes and submits their organisation's self-assessment.

The review is open (not confidential): before answering she is told that every partner will
see her organisation's scores with its name. She shares one comment with the partners; when
the review closes it appears on the results under its principle with her organisation's
name, she replies to the results, and the lead commissioner's email about the reply arrives
once at a real SMTP server on loopback.

The same journey three ways: with a mouse, with the keyboard only (Tab, Shift+Tab, arrows,
Space, Enter), and with JavaScript switched off. Every page it reaches is checked with axe,
at 320 px wide no page scrolls sideways, and text zoomed to 200% loses nothing.
"""

import pytest
from playwright.sync_api import Page, expect

from partnerships.models import Assessment, HealthCheck, HealthCheckEntry, Review
from partnerships.services.reviews import review_close
from tests.conftest import PASSWORD, submit

from .conftest import check_page, emails_about, screenshot
from .people import Person

# Statement ratings by principle: a mix, with "Strongly disagree" on principle 2 (needs a comment).
RATINGS = {
    1: ["Agree", "Agree", "Strongly agree", "Neither agree nor disagree"],
    2: ["Strongly disagree", "Disagree", "Agree", "Don’t know"],
    3: ["Agree"] * 4,
    4: ["Neither agree nor disagree"] * 4,
    5: ["Disagree", "Agree", "Agree", "Agree"],
    6: ["Strongly agree"] * 4,
    7: ["Agree", "Don’t know", "Agree", "Agree"],
}
# Each radio of the scale shows its number (and, at the ends, its words); its label carries
# the words for everyone.
SCALE = {
    "Strongly disagree": "1 Strongly disagree",
    "Disagree": "2 Disagree",
    "Neither agree nor disagree": "3 Neither agree nor disagree",
    "Agree": "4 Agree",
    "Strongly agree": "5 Strongly agree",
    "Don’t know": "Don’t know",
}
REASON = "Reports reach us too late to act on."
AUDIENCE = "every partner will see Riverside Mind’s scores with its name"
REPLY = "Reports now reach us a week after each board; transparency has improved since."


def _sign_in(person: Person, email: str) -> None:
    page = person.page
    page.goto("/accounts/sign-in/")
    person.type(page.get_by_label("Email address"), email)
    person.type(page.get_by_label("Password"), PASSWORD)
    person.follow(page.get_by_role("button", name="Sign in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def _answer_principle(person: Person, number: int, *, comments: bool = True) -> None:
    page = person.page
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{number}. ")
    statements = page.locator("fieldset")
    for index, label in enumerate(RATINGS[number]):
        person.choose(statements.nth(index), SCALE[label])
        if comments and label in ("Strongly disagree", "Disagree"):
            _comment(person, f"{number}.{index + 1}", REASON)


def _comment(person: Person, ref: str, text: str) -> None:
    """Types a statement's comment, opening it first where script has not already."""
    page = person.page
    field = page.get_by_label(f"Comment on statement {ref}")
    details = page.locator("details", has=field)
    if not details.evaluate("el => el.open"):
        person.press(details.locator("summary"))
    person.type(field, text)


def _journey(page: Page, *, keyboard: bool, name: str, check=check_page) -> None:
    person = Person(page, keyboard=keyboard)
    _sign_in(person, "alice@riverside.example")
    check(page)

    # The assessment waiting on the dashboard.
    person.follow(page.get_by_role("link", name="Riverside Mind’s self-assessment"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Self-assessment")
    # Told who will see the answers before giving any, here and on every principle page.
    expect(page.get_by_test_id("audience")).to_contain_text(AUDIENCE)
    check(page)
    person.follow(page.get_by_role("link", name="1. Sustainability"))
    expect(page.get_by_test_id("audience")).to_contain_text(AUDIENCE)
    check(page)
    screenshot(page, f"{name}-principle")

    _answer_principle(person, 1)
    person.follow(page.get_by_role("button", name="Save and continue"))

    # Principle 2: "Strongly disagree" without a comment is refused, nothing typed is lost.
    _answer_principle(person, 2, comments=False)
    person.follow(page.get_by_role("button", name="Save and continue"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    disagree = page.locator("fieldset").nth(1).get_by_label(SCALE["Disagree"], exact=True)
    expect(disagree).to_be_checked()
    check(page)
    _comment(person, "2.1", REASON)
    person.tick(page.get_by_label("Share this comment with the partners (statement 2.1)"))
    _comment(person, "2.2", REASON)  # kept within Riverside Mind
    person.follow(page.get_by_role("button", name="Save and continue"))

    _answer_principle(person, 3)
    # Leave halfway, sign out, and come back to the same answers.
    person.follow(page.get_by_role("button", name="Save and come back later"))
    person.follow(page.get_by_role("button", name="Sign out"))
    _sign_in(person, "alice@riverside.example")
    person.follow(page.get_by_role("link", name="Riverside Mind’s self-assessment"))
    person.follow(page.get_by_role("link", name="2. Transparency"))
    expect(page.get_by_label("Comment on statement 2.1")).to_have_value(REASON)
    expect(
        page.locator("fieldset").nth(0).get_by_label(SCALE["Strongly disagree"], exact=True)
    ).to_be_checked()
    person.follow(page.get_by_role("link", name="Back to the self-assessment"))

    for number in (4, 5, 6, 7):
        principle = page.get_by_role("link", name=f"{number}. ")
        person.follow(principle.first)
        _answer_principle(person, number)
        person.follow(page.get_by_role("button", name="Save and continue"))
        if number < 7:
            person.follow(page.get_by_role("link", name="Back to the self-assessment"))

    # Check the answers, change one, and submit.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your answers")
    check(page)
    screenshot(page, f"{name}-check-answers")
    person.follow(page.get_by_role("link", name="Change your answer to statement 4.1"))
    person.choose(page.locator("fieldset").nth(0), SCALE["Agree"])
    person.follow(page.get_by_role("button", name="Save and continue"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your answers")
    person.follow(page.get_by_role("button", name="Submit self-assessment"))
    expect(page.get_by_text("is submitted")).to_be_visible()
    check(page)

    _results_and_reply(person, name=name, check=check)


def _close_the_review() -> Review:
    """The lead commissioner's own assessment, the health check and the close, straight into
    the database: journey 2 walks them in the browser."""
    review = Review.objects.get()
    lead = Assessment.objects.get(review=review, organisation__name="NHS North Valley ICB")
    carol = lead.organisation.memberships.get().user
    submit(lead, by=carol)
    health = HealthCheck.objects.create(review=review, recorded_by=carol)
    for principle in review.framework.principles.all():
        HealthCheckEntry.objects.create(health_check=health, principle=principle, rag="green")
    review_close(review=review, by=carol, overall_rag="green")
    return review


def _results_and_reply(person: Person, *, name: str, check) -> None:
    """The shared comment on the results with Riverside Mind's name; then its reply."""
    page = person.page
    review = _close_the_review()
    page.goto(f"/partnerships/{review.partnership.code}/reviews/{review.code}/results/")
    comments = page.get_by_test_id("shared-comments")
    expect(comments.get_by_text(REASON)).to_have_count(1)  # 2.1 shared; 2.2 and 5.1 kept
    expect(comments).to_contain_text("Statement 2.1")
    expect(comments).to_contain_text("Riverside Mind")
    check(page)

    person.follow(page.get_by_role("link", name="Reply to the results"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Reply to the results")
    check(page)
    person.type(page.get_by_label("Your organisation’s response to the results"), REPLY)
    screenshot(page, f"{name}-reply")
    person.follow(page.get_by_role("button", name="Publish the reply"))
    replies = page.get_by_test_id("replies")
    expect(replies).to_contain_text(REPLY)
    expect(replies).to_contain_text("Riverside Mind")
    check(page)
    screenshot(page, f"{name}-results")


@pytest.fixture
def journey_cast(live_db, alice, carol, charity_assessment, smtp):
    """Alice, a charity lead, with her organisation's assessment waiting in an open review
    that Carol's ICB leads; the emails go to a real SMTP server."""


def _assert_the_lead_was_told_once(smtp, carol) -> None:
    """Carol, the lead commissioner's one editor, is emailed about the reply, once."""
    assert emails_about(smtp, "replied") == [
        (
            (carol.email,),
            "Riverside Mind has replied to the results of the Riverside Partnership review",
        )
    ]
    assert all(count == 1 for count in smtp.attempts.values())


def test_with_a_mouse(page: Page, live_server, journey_cast, smtp, carol):
    _journey(page, keyboard=False, name="mouse")
    _assert_the_lead_was_told_once(smtp, carol)


def test_with_the_keyboard_only(page: Page, live_server, journey_cast, smtp, carol):
    _journey(page, keyboard=True, name="keyboard")
    _assert_the_lead_was_told_once(smtp, carol)


@pytest.fixture
def no_script_page(browser, live_server) -> Page:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_without_javascript(no_script_page: Page, live_server, journey_cast, smtp, carol):
    # axe and the width check run scripts in the page, which JavaScript being off prevents;
    # the runs with it on check the same pages.
    _journey(no_script_page, keyboard=False, name="no-javascript", check=lambda page: None)
    _assert_the_lead_was_told_once(smtp, carol)
