"""Journey: a partner that is not on the service yet.

Carol, the lead commissioner, cannot find Valley Foodbank among the organisations, so she
adds it from the partners page: refused empty, then with a charity number that is not one,
then added with its lead contact's email, whose invitation to be its first admin arrives
once at a real SMTP server on loopback. Typing the company number of an organisation
already on the service offers that one instead. Before she opens a review the page warns
that Valley Foodbank has no one who can answer, with a link to invite its first admin, and
the partnership page says the same in place of its lead contact. Every page is checked with
axe, at 320 px and with text at 200%.
"""

from playwright.sync_api import expect

from organisations.models import Invitation, Organisation

from .conftest import check_page, emails_about, screenshot, signed_in


def _error_summary(page):
    return page.locator(".govuk-error-summary")


def test_a_lead_commissioner_adds_a_partner_not_on_the_service(
    page, context, live_server, live_db, partnership, carol, alice, outside_charity, smtp
):
    outside_charity.company_number = "07654321"
    outside_charity.save(update_fields=["company_number"])
    signed_in(context, live_server, carol)
    page.goto(f"/partnerships/{partnership.code}/partners/")
    page.get_by_role("link", name="Add an organisation that is not on the service").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Add an organisation that is not on the service"
    )
    check_page(page)

    page.get_by_role("button", name="Add the organisation as a partner").click()
    summary = _error_summary(page)
    expect(summary.get_by_role("link", name="Enter the organisation’s name")).to_be_visible()
    expect(summary.get_by_role("link", name="Select the kind of organisation")).to_be_visible()
    check_page(page)

    # One already here, by its company number typed short: offered, not made again.
    page.get_by_label("Name of the organisation").fill("Hillside")
    page.get_by_label("What kind of organisation is it?").select_option(label="Charity")
    page.get_by_label("Company number (optional)").fill("7654321")
    page.get_by_label("Its role in the partnership").select_option(label="VCSE partner")
    page.get_by_role("button", name="Add the organisation as a partner").click()
    expect(page.get_by_test_id("existing")).to_contain_text("Hillside Trust has one of these")
    check_page(page)
    screenshot(page, "onboarding-existing")

    # A charity number that is not one: said beside the field, nothing typed lost.
    page.get_by_label("Name of the organisation").fill("Valley Foodbank")
    page.get_by_label("Company number (optional)").fill("")
    page.get_by_label("Charity number (optional)").fill("12")
    page.get_by_label("Charity regulator (optional)").select_option(
        label="Charity Commission for England and Wales"
    )
    page.get_by_label("Email address of its lead contact (optional)").fill(
        "lead@valleyfoodbank.example"
    )
    page.get_by_role("button", name="Add the organisation as a partner").click()
    expect(summary).to_contain_text("Enter a charity number of 6 or 7 digits")
    expect(page.get_by_label("Name of the organisation")).to_have_value("Valley Foodbank")
    check_page(page)
    page.get_by_label("Charity number (optional)").fill("1290 999")
    page.get_by_role("button", name="Add the organisation as a partner").click()
    expect(page.get_by_text("Valley Foodbank is now on the service and a partner.")).to_be_visible()
    assert Organisation.objects.filter(charity_number="1290999").count() == 1

    # Before opening a review: warned, with the invite link beside the partner.
    page.goto(f"/partnerships/{partnership.code}/reviews/new/")
    warning = page.get_by_test_id("no-one-to-answer")
    expect(warning).to_contain_text("Valley Foodbank")
    check_page(page)
    screenshot(page, "onboarding-review-warning")
    warning.get_by_role("link", name="invite its first admin (Valley Foodbank)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Invite Valley Foodbank’s first admin"
    )
    page.get_by_role("button", name="Send the invitation").click()
    expect(
        _error_summary(page).get_by_role("link", name="Enter the lead contact’s email address")
    ).to_be_visible()
    check_page(page)
    page.get_by_label("Email address of its lead contact").fill("chair@valleyfoodbank.example")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("is invited to be Valley Foodbank’s first admin")).to_be_visible()

    # The partnership page says who cannot answer yet, instead of "Not set".
    partners = page.get_by_role("region", name="Partners and their roles")
    expect(partners.get_by_role("row", name="Valley Foodbank")).to_contain_text(
        "No one can answer yet"
    )
    check_page(page)
    screenshot(page, "onboarding-partnership")

    # Each invitation went once, to its own address.
    assert sorted(to for to, _ in emails_about(smtp, "")) == [
        ("chair@valleyfoodbank.example",),
        ("lead@valleyfoodbank.example",),
    ]
    assert all(count == 1 for count in smtp.attempts.values())
    assert Invitation.objects.filter(organisation__name="Valley Foodbank").count() == 2
