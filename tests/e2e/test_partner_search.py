"""Adding a partner among thousands, where script runs: GOV.UK's accessible autocomplete.

Typing part of the name lists the organisations not yet in the partnership; choosing one,
with the keyboard alone, loads the page with it found and selected. The page without script
is journey 2's.
"""

from django.urls import reverse
from playwright.sync_api import Page, expect

from organisations.models import User
from partnerships.management.commands.seed_demo import (
    LEAD_COMMISSIONER,
    ORGANISATIONS,
    PARTNERSHIPS,
)
from partnerships.models import Partnership

from .conftest import check_page, screenshot, signed_in


def test_a_commissioner_finds_and_adds_a_partner_with_the_keyboard(
    page: Page, context, live_server, demo_data
):
    partnership = Partnership.objects.get(name=PARTNERSHIPS["contract"]["name"])
    trust = ORGANISATIONS["trust"]["name"]
    signed_in(context, live_server, User.objects.get(email=LEAD_COMMISSIONER))
    page.goto(reverse("partnerships:participants", kwargs={"code": partnership.code}))

    search = page.get_by_role("combobox", name="Find the organisation")
    search.focus()
    page.keyboard.type("community and mental")
    option = page.get_by_role("option", name=f"{trust} (")
    expect(option).to_be_visible()
    check_page(page)
    screenshot(page, "partner-search-autocomplete")
    page.keyboard.press("ArrowDown")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.get_by_role("radio", name=f"{trust} (")).to_be_checked()
    page.get_by_label("Its role in the partnership").select_option(label="Provider")
    page.get_by_role("button", name="Add partner").click()
    expect(page.get_by_text(f"{trust} is now a partner.")).to_be_visible()
    assert partnership.participants.filter(organisation__name=trust).exists()
