"""Journey 2: a lead commissioner runs a review of a new partnership from start to finish.

Priya, of the demo's ICB, registers a partnership, adds four partners, opens a review, sees
who has submitted, records the health check, closes the review, reads the results and adds
two of the suggested actions. The review is open, not confidential: before opening it she
reads who will see each organisation's answers (its sides are too small for confidential),
the results show the comment a charity shared with its name, and when the charity replies
to the results the reply is shown beside her summary and her email about it arrives once at
a real SMTP server on loopback. The partners' self-assessments are journey 1; here they are
put straight into the database. Every page is checked with axe, at 320 px and with text
at 200%, including the empty states of a new partnership and each form submitted empty.
"""

import re

from playwright.sync_api import Page, expect

from organisations.models import Organisation, User
from partnerships.management.commands.seed_demo import DEMO_PASSWORD, ORGANISATIONS
from partnerships.models import Assessment, Partnership, Rating
from tests.conftest import submit

from .conftest import check_page, emails_about, screenshot, signed_in

LEAD_COMMISSIONER = "priya.shah@northvalley-icb.example"
NAME = "North Valley Social Prescribing Network"
PARTNERS = [
    ("trust", "Provider"),
    ("council", "Local authority"),
    ("carers", "VCSE partner"),
    ("national", "VCSE partner"),
]
PRINCIPLES = [
    "Sustainability",
    "Transparency",
    "Joint Vision",
    "Joint Capability",
    "Proportionality",
    "Innovation and improvement",
    "Accountability and governance",
]
# The NHS side agrees about Transparency (2) where the VCSE charity strongly disagrees: a
# significant gap. Everyone disagrees about Accountability (7): a red principle.
NHS_SCORES = {2: [5, 5, 5, 5], 7: [2, 2, 2, 2]}
VCSE_SCORES = {2: [1, 1, 2, 1], 7: [2, 2, 2, 2]}
HEALTH_CHECK = ["Green", "Amber", "Green", "Green", "Amber", "Green", "Red"]
# The carers' reason for their 1 on statement 2.1, shared with the partners; the rest of
# their comments stay within the charity.
SHARED = "Finance reports reach us a month after the board has discussed them."
CHARITY_EDITOR = "grace.mensah@northdalecarers.example"
REPLY = "We welcome the results and will bring the finance reports question to the board."


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def _error_summary(page: Page):
    return page.locator(".govuk-error-summary")


def _date(page: Page, legend: str, day: int, month: int, year: int) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day))
    group.get_by_label("Month").fill(str(month))
    group.get_by_label("Year").fill(str(year))


def _organisation(key: str) -> str:
    return ORGANISATIONS[key]["name"]


def _submit_assessments(partnership: Partnership) -> None:
    """Four of the five partners submit; Harbourlight, a VCSE partner, does not."""
    assessments = Assessment.objects.filter(review__partnership=partnership).select_related(
        "organisation"
    )
    scores = {
        _organisation("icb"): NHS_SCORES,
        _organisation("trust"): NHS_SCORES,
        _organisation("council"): {7: [2, 2, 2, 2]},
        _organisation("carers"): VCSE_SCORES,
    }
    for assessment in assessments:
        if assessment.organisation.name in scores:
            submit(assessment, scores=scores[assessment.organisation.name])
    Rating.objects.filter(
        assessment__organisation__name=_organisation("carers"),
        assessment__review__partnership=partnership,
        statement__principle__number=2,
        statement__order=1,
    ).update(comment=SHARED, comment_shared=True)


def _reply_as_the_charity(browser, live_server, results_url: str) -> None:
    """Grace, the carers' editor, replies to the published results in her own browser."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    signed_in(context, live_server, User.objects.get(email=CHARITY_EDITOR))
    page = context.new_page()
    page.goto(results_url)
    page.get_by_role("link", name="Reply to the results").click()
    expect(_heading(page)).to_have_text("Reply to the results")
    check_page(page)
    page.get_by_label("Your organisation’s response to the results").fill(REPLY)
    page.get_by_role("button", name="Publish the reply").click()
    expect(page.get_by_test_id("replies")).to_contain_text(REPLY)
    context.close()


def test_a_lead_commissioner_runs_a_review(page: Page, browser, live_server, demo_data, smtp):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill(LEAD_COMMISSIONER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(_heading(page)).to_have_text("Dashboard")

    # Register the partnership: empty first, then properly.
    page.get_by_role("link", name="Register a partnership").click()
    expect(_heading(page)).to_have_text("Register a partnership")
    check_page(page)
    page.get_by_role("button", name="Register and add partners").click()
    expect(
        _error_summary(page).get_by_role("link", name="Select the type of partnership")
    ).to_be_visible()
    check_page(page)
    expect(page.get_by_label("Which organisation is the lead commissioner?")).to_have_value(
        str(Organisation.objects.get(name=_organisation("icb")).pk)
    )
    page.get_by_label("Name of the partnership").fill(NAME)
    page.get_by_label("Type of partnership").select_option(label="Place-based partnership")
    page.get_by_label("Service area (optional)").fill("Social prescribing")
    page.get_by_label("Integrated Care Board area (optional)").select_option(
        label=_organisation("icb")
    )
    _date(page, "Start date (optional)", 1, 4, 2026)
    _date(page, "End date (optional)", 31, 3, 2029)
    page.get_by_label("Annual value in pounds (optional)").fill("180,000")
    page.get_by_role("button", name="Register and add partners").click()

    # Four partners, after a first try with nothing chosen.
    expect(_heading(page)).to_have_text("Partners")
    expect(page.get_by_text(f"{NAME} is registered. Now add its partners.")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Add partner").click()
    expect(
        _error_summary(page).get_by_role("link", name="Find the organisation, then select it")
    ).to_be_visible()
    check_page(page)
    # Among thousands, each is found by part of its name first, then chosen.
    for key, role in PARTNERS:
        page.get_by_label("Find the organisation").fill(_organisation(key)[:12].lower())
        page.keyboard.press("Escape")  # the autocomplete's list closes: search in full
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_test_id("matches")).to_contain_text("not yet in the partnership")
        page.get_by_role("radio", name=f"{_organisation(key)} (").check()
        page.get_by_label("Its role in the partnership").select_option(label=role)
        page.get_by_role("button", name="Add partner").click()
        expect(page.get_by_text(f"{_organisation(key)} is now a partner.")).to_be_visible()
    partners = page.locator(".govuk-summary-list__key")
    expect(partners).to_have_count(5)

    # A new partnership: no reviews and no actions yet.
    page.get_by_role("link", name="Done: back to the partnership").click()
    expect(_heading(page)).to_have_text(NAME)
    expect(page.get_by_text("No reviews yet.")).to_be_visible()
    expect(page.get_by_text("No open actions.")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="View, filter and manage every action").click()
    expect(
        page.get_by_text("No actions have been agreed for this partnership yet.")
    ).to_be_visible()
    check_page(page)
    page.get_by_role("link", name=f"Back to {NAME}").click()

    # Open a review; every partner, the lead commissioner included, is asked to assess.
    page.get_by_role("button", name="Open a review").click()
    expect(_heading(page)).to_have_text("Open a review")
    asked = page.locator("main ul").first.get_by_role("listitem")
    expect(asked).to_have_count(5)
    for key in ("icb", *(key for key, _ in PARTNERS)):
        expect(asked.filter(has_text=_organisation(key))).to_have_count(1)
    # The trust and Harbourlight have no one on the service: warned, with the invite links.
    warning = page.get_by_test_id("no-one-to-answer")
    expect(warning).to_contain_text("2 partners have no one on the service who can answer")
    for key in ("trust", "national"):
        expect(
            warning.get_by_role("link", name=f"invite its first admin ({_organisation(key)})")
        ).to_be_visible()
    # Who will see the answers, before opening: open, as two NHS bodies are too few to hide.
    expect(page.get_by_test_id("visibility-open")).to_contain_text(
        "every partner sees each organisation’s scores with its name"
    )
    expect(page.get_by_test_id("confidential-refused")).to_contain_text(
        "at least 3 organisations on each side"
    )
    check_page(page)
    page.get_by_role("button", name="Open the review").click()
    expect(page.get_by_text("The review is open.")).to_be_visible()
    expect(page.get_by_text("0 of 5 partners have submitted.")).to_be_visible()
    check_page(page)

    # The partners submit; the review page shows who has, never what they answered.
    partnership = Partnership.objects.get(name=NAME)
    _submit_assessments(partnership)
    page.reload()
    expect(page.get_by_text("4 of 5 partners have submitted.")).to_be_visible()
    progress = page.get_by_role("table", name="Self-assessments in this review")
    expect(progress.get_by_role("cell", name="Submitted", exact=True)).to_have_count(4)
    expect(progress.get_by_role("row", name=_organisation("national"))).to_contain_text(
        "Not started"
    )
    check_page(page)

    # The health check: refused empty, then red, amber or green for each principle.
    page.get_by_role("button", name="Record the health check").click()
    expect(_heading(page)).to_have_text("Health check")
    check_page(page)
    page.get_by_role("button", name="Save the health check").click()
    expect(_error_summary(page).get_by_role("link")).to_have_count(7)
    check_page(page)
    for number, (name, rag) in enumerate(zip(PRINCIPLES, HEALTH_CHECK, strict=True), start=1):
        page.get_by_role("group", name=f"{number}. {name}").get_by_label(rag).check()
    page.get_by_label("Comment on Accountability and governance (optional)").fill(
        "Nobody can say who agrees a change to the referral criteria."
    )
    page.get_by_label("Summary").fill("A good start; governance needs settling this year.")
    page.get_by_role("button", name="Save the health check").click()
    expect(page.get_by_text("The health check is saved.")).to_be_visible()

    # Closing: refused empty (no rating, the missing partner not confirmed), then closed.
    page.get_by_role("button", name="Close the review").click()
    expect(_heading(page)).to_have_text("Close the review")
    expect(page.get_by_text("1 partner has not submitted")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Close the review and publish the results").click()
    summary = _error_summary(page)
    expect(summary.get_by_role("link", name="Select the overall rating")).to_be_visible()
    expect(summary.get_by_role("link", name="Confirm that you want to close")).to_be_visible()
    check_page(page)
    page.get_by_role("group", name="Overall rating of the partnership").get_by_label(
        "Amber"
    ).check()
    page.get_by_label("Close the review without the missing assessments").check()
    page.get_by_role("button", name="Close the review and publish the results").click()

    # The results: the gap flagged, each chart beside the table that holds its figures.
    expect(_heading(page)).to_contain_text("Results of the review closed")
    scores = page.get_by_role("table", name="Scores by principle")
    expect(scores.get_by_role("row", name="2. Transparency")).to_contain_text("Significant")
    expect(scores.get_by_role("row", name="7. Accountability and governance")).to_contain_text(
        "Red"
    )
    expect(page.get_by_role("img", name="Radar chart of the seven principles")).to_be_visible()
    expect(page.get_by_role("img", name="Perception gap by principle")).to_be_visible()
    organisations = page.get_by_role("table", name="Each submitting organisation’s score")
    expect(organisations.get_by_role("columnheader")).to_have_count(5)
    expect(page.get_by_text("there is no trend yet")).to_be_visible()
    # The carers' shared reason, under its principle, with their name; nothing they kept.
    comments = page.get_by_test_id("shared-comments")
    expect(comments).to_contain_text("2. Transparency")
    expect(comments).to_contain_text(SHARED)
    expect(comments).to_contain_text(_organisation("carers"))
    expect(comments).not_to_contain_text("Needs work")
    check_page(page)
    screenshot(page, "journey-results")
    results_url = page.url

    # The carers reply to the results: beside the summary, and Priya is emailed once.
    _reply_as_the_charity(browser, live_server, results_url)
    page.reload()
    replies = page.get_by_test_id("replies")
    expect(replies).to_contain_text(REPLY)
    expect(replies).to_contain_text(_organisation("carers"))
    check_page(page)
    assert emails_about(smtp, "replied") == [
        (
            (LEAD_COMMISSIONER,),
            f"{_organisation('carers')} has replied to the results of the {NAME} review",
        )
    ]
    assert all(count == 1 for count in smtp.attempts.values())

    # Two of the suggestions become actions, the first after a try without an owner.
    suggestions = page.get_by_role("link", name="Add this as an action")
    expect(suggestions).to_have_count(2)
    suggestions.first.click()
    expect(_heading(page)).to_have_text("Add an action")
    expect(page.get_by_label("What needs to happen?")).to_have_value(re.compile("^Transparency"))
    expect(page.get_by_label("Which principle does it help with? (optional)")).to_have_value(
        str(partnership.framework.principles.get(number=2).pk)
    )
    check_page(page)
    page.get_by_role("button", name="Add action").click()
    expect(
        _error_summary(page).get_by_role(
            "link", name="Select the organisation that owns the action"
        )
    ).to_be_visible()
    check_page(page)
    owners = [("icb", 31), ("council", 30)]
    for index, (owner, day) in enumerate(owners):
        if index:
            # The suggestion now agreed is marked, with a link to its action, not offered again.
            page.goto(results_url)
            agreed = page.get_by_test_id("agreed")
            expect(agreed).to_have_count(1)
            expect(agreed).to_contain_text("Action agreed: Transparency: hold a meeting")
            expect(suggestions).to_have_count(1)
            check_page(page)
            suggestions.first.click()
        page.get_by_label("Which organisation owns it?").select_option(label=_organisation(owner))
        _date(page, "Due date (optional)", day, 3, 2027)
        page.get_by_role("button", name="Add action").click()
        expect(page.get_by_text("The action is added.")).to_be_visible()

    actions = page.get_by_role("table", name="All actions (2)")
    expect(actions.get_by_role("row", name="Transparency")).to_contain_text(_organisation("icb"))
    expect(actions.get_by_role("row", name="Accountability")).to_contain_text(
        _organisation("council")
    )
    check_page(page)
