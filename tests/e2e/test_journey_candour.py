"""Journey: a confidential review, from the lead's choice to a partner's reply.

Carol, the lead commissioner of a partnership with three NHS and three VCSE organisations,
opens a review and, having read what each mode means, makes it confidential by side. Alice,
a charity lead, is told who will see her answers before she answers, on the task list and on
the principle page, and shares one comment with the partners. When the review closes, the
results show her shared comment as from "a VCSE partner", no other organisation's scores and
no organisation's name; Alice replies to the results, and Carol's one email about it arrives
once at a real SMTP server on loopback. An open review's journey is the same with names
(tests/partnerships). Every new page is checked with axe, at 320 px and with text at 200%.
"""

import pytest
from playwright.sync_api import Page, expect

from organisations.models import Organisation
from partnerships.models import Assessment, HealthCheck, HealthCheckEntry, Participant, Review
from partnerships.services.reviews import review_close
from tests.conftest import submit

from .conftest import assert_no_axe_violations, check_page, screenshot, signed_in

SHARED = "Quarterly reports reach us too late to act on."
KEPT = "Our board is split on this."
REPLY = "The VCSE figures on transparency reflect last winter; it is better now."


@pytest.fixture
def large_partnership(live_db, partnership, alice, carol):
    """The cast's partnership with two more NHS trusts and two more charities."""
    for kind, names in (
        (Organisation.Kind.NHS_TRUST, ["North Valley Hospitals", "Valley Community Health"]),
        (Organisation.Kind.CHARITY, ["Valley Carers", "Hillview Foodbank"]),
    ):
        for name in names:
            organisation = Organisation.objects.create(name=name, kind=kind)
            Participant.objects.create(
                partnership=partnership, organisation=organisation, role=Participant.Role.OTHER
            )
    return partnership


def _as(browser, live_server, user) -> Page:
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    signed_in(context, live_server, user)
    return context.new_page()


def _comment(page: Page, ref: str, text: str) -> None:
    """Types a statement's comment, opening it first where script has not already."""
    field = page.get_by_label(f"Comment on statement {ref}")
    details = page.locator("details", has=field)
    if not details.evaluate("el => el.open"):
        details.locator("summary").click()
    field.fill(text)


def test_a_confidential_review_from_choice_to_reply(
    browser, live_server, large_partnership, alice, carol, smtp
):
    partnership = large_partnership

    # Carol reads what each mode means, then chooses.
    lead = _as(browser, live_server, carol)
    lead.goto(f"/partnerships/{partnership.code}/reviews/new/")
    expect(
        lead.get_by_text("Every partner sees each organisation’s scores with its name")
    ).to_be_visible()
    expect(lead.get_by_text("never another organisation’s own scores")).to_be_visible()
    check_page(lead)
    screenshot(lead, "candour-open-review")
    lead.get_by_label("Confidential by side").check()
    lead.get_by_role("button", name="Open the review").click()
    review = Review.objects.get(partnership=partnership)
    assert review.visibility == Review.Visibility.CONFIDENTIAL

    # Alice is told who will see her answers before she answers.
    charity = Organisation.objects.get(name="Riverside Mind")
    assessment = Assessment.objects.get(review=review, organisation=charity)
    page = _as(browser, live_server, alice)
    base = f"/partnerships/{partnership.code}/reviews/{review.code}/assessments/{assessment.code}/"
    page.goto(base)
    notice = page.get_by_test_id("audience")
    expect(notice).to_contain_text("never Riverside Mind’s own scores")
    expect(notice).to_contain_text("“a VCSE partner”")
    check_page(page)
    page.get_by_role("link", name="1. Sustainability").click()
    expect(page.get_by_test_id("audience")).to_contain_text("never Riverside Mind’s own scores")
    statements = page.locator("fieldset")
    for index in range(statements.count()):
        statements.nth(index).get_by_label("4 Agree").check()
    statements.nth(0).get_by_label("2 Disagree").check()
    _comment(page, "1.1", SHARED)
    page.get_by_label("Share this comment with the partners (statement 1.1)").check()
    _comment(page, "1.2", KEPT)  # kept within the organisation
    # axe only: the scale's own reflow and zoom are the principle page's tests' to check.
    assert_no_axe_violations(page)
    screenshot(page, "candour-principle")
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.get_by_text("are saved")).to_be_visible()

    # The rest of every partner's answers, and the close, straight into the database.
    for other in Assessment.objects.filter(review=review):
        if other.pk == assessment.pk:
            other.ratings.filter(statement__principle__number=1).delete()
            submit(other, by=alice, default=4)
            first = other.ratings.get(statement__principle__number=1, statement__order=1)
            first.score, first.comment, first.comment_shared = 2, SHARED, True
            first.save(update_fields=["score", "comment", "comment_shared"])
            second = other.ratings.get(statement__principle__number=1, statement__order=2)
            second.comment = KEPT
            second.save(update_fields=["comment"])
        else:
            submit(other, default=3 if other.organisation.side == "vcse" else 5)
    health = HealthCheck.objects.create(review=review, recorded_by=carol)
    for principle in review.framework.principles.all():
        HealthCheckEntry.objects.create(health_check=health, principle=principle, rag="amber")
    review_close(review=review, by=carol, overall_rag="amber")

    # The results: side figures, her shared comment without a name, no one's own scores.
    page.goto(f"/partnerships/{partnership.code}/reviews/{review.code}/results/")
    expect(page.get_by_test_id("withheld-notice")).to_contain_text("confidential by side")
    comments = page.get_by_test_id("shared-comments")
    expect(comments).to_contain_text(SHARED)
    expect(comments).to_contain_text("A VCSE partner")
    expect(comments).not_to_contain_text("Riverside Mind")
    expect(page.get_by_text(KEPT)).to_have_count(0)
    for name in ("Valley Carers", "Hillview Foodbank", "North Valley Hospitals"):
        expect(page.get_by_text(name)).to_have_count(0)
    check_page(page)
    screenshot(page, "candour-results")

    # Alice replies to the results; it appears beside the summary.
    page.get_by_role("link", name="Reply to the results").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reply to the results")
    page.get_by_role("button", name="Publish the reply").click()  # empty first
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter your organisation’s response"
    )
    check_page(page)
    page.get_by_label("Your organisation’s response to the results").fill(REPLY)
    screenshot(page, "candour-reply")
    page.get_by_role("button", name="Publish the reply").click()
    replies = page.get_by_test_id("replies")
    expect(replies).to_contain_text(REPLY)
    expect(replies).to_contain_text("A VCSE partner")
    check_page(page)

    # Carol is emailed about the reply, once.
    about = [m for m in smtp.received if "replied" in m.subject]
    assert [(m.to, " ".join(m.subject.split())) for m in about] == [
        (
            (carol.email,),
            "A VCSE partner has replied to the results of the Riverside Partnership review",
        )
    ]
    plain = next(p for p in about[0].message.walk() if p.get_content_type() == "text/plain")
    assert REPLY in plain.get_payload(decode=True).decode()
    assert all(count == 1 for count in smtp.attempts.values())
