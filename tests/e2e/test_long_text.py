"""Long text without spaces (a 200-character name) wraps: no page grows wider than the
window, and no table pushes its other columns out of view."""

from django.urls import reverse
from playwright.sync_api import Page

from organisations.models import Organisation
from partnerships.management.commands.seed_demo import ORGANISATIONS, PARTNERSHIPS
from partnerships.models import Action, Partnership

from .conftest import assert_no_sideways_scroll, screenshot, signed_in

LONG = "Northdale" + "X" * 191
LEAD_COMMISSIONER = "priya.shah@northvalley-icb.example"

# Each table's own scrolling region, by how far it is wider than the room it has.
_WIDER_THAN_THEIR_ROOM = """() => [...document.querySelectorAll(".app-table-scroll, table")]
  .filter(el => el.scrollWidth > el.parentElement.clientWidth + 1)
  .map(el => `${el.outerHTML.slice(0, 120)} is ${el.scrollWidth} px in ${
    el.parentElement.clientWidth} px`)"""


def test_long_names_wrap_on_every_page_that_lists_them(page: Page, context, live_server, demo_data):
    organisation = Organisation.objects.get(name=ORGANISATIONS["carers"]["name"])
    organisation.name = LONG
    organisation.save(update_fields=["name"])
    partnership = Partnership.objects.get(name=PARTNERSHIPS["contract"]["name"])
    Action.objects.filter(partnership__name=PARTNERSHIPS["alliance"]["name"]).update(
        description="Agree" + "A" * 195
    )
    alliance = Partnership.objects.get(name=PARTNERSHIPS["alliance"]["name"])
    signed_in(context, live_server, _user(LEAD_COMMISSIONER))

    paths = [
        reverse("dashboard"),
        reverse("partnerships:detail", kwargs={"code": partnership.code}),
        reverse("partnerships:participants", kwargs={"code": partnership.code}),
        reverse("partnerships:action_list", kwargs={"code": alliance.code}),
        reverse("partnerships:detail", kwargs={"code": alliance.code}),
        reverse("organisations:detail", kwargs={"code": organisation.code}),
    ]
    page.set_viewport_size({"width": 1280, "height": 900})
    for path in paths:
        page.goto(path)
        assert LONG in page.content() or "A" * 195 in page.content(), path
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, path
        assert page.evaluate(_WIDER_THAN_THEIR_ROOM) == [], path
        assert_no_sideways_scroll(page)
    screenshot(page, "long-name")


def _user(email):
    from organisations.models import User

    return User.objects.get(email=email)
