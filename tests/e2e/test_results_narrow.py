"""The results on a phone: a card per principle instead of the wide table, every figure
beside its label and agreeing with the table; chart text at least the size of body text;
the gap chart's figures, colours and legend agreeing with the scores."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from organisations.models import User
from partnerships.management.commands.seed_demo import PARTNERSHIPS
from partnerships.models import Partnership, Review

from .conftest import check_page, screenshot, signed_in

LEAD_COMMISSIONER = "priya.shah@northvalley-icb.example"
ICB_VIEWER = "tom.hughes@northvalley-icb.example"
LABELS = ["Partnership", "NHS", "Local government", "VCSE", "Gap", "Spread", "Health check"]

# Each principle's figures as the wide table holds them (read from the DOM, shown or not).
_TABLE = """() => [...document.querySelectorAll('[data-testid="scores"] tbody tr')].map(row =>
  [row.querySelector("th").textContent.trim(),
   ...[...row.querySelectorAll("td")].map(
     cell => cell.textContent.replace(/\\s+/g, " ").trim())])"""

# Each card: its title and each label with its figure, and whether any of it leaves the screen.
_CARDS = """() => [
  ...document.querySelectorAll('[data-testid="scores-stacked"] .govuk-summary-card')].map(card => ({
    title: card.querySelector("h3").textContent.trim(),
    rows: [...card.querySelectorAll(".govuk-summary-list__row")].map(row => [
      row.querySelector("dt").textContent.trim(),
      row.querySelector("dd").textContent.replace(/\\s+/g, " ").trim()]),
    outside: [...card.querySelectorAll("dt, dd, h3")].filter(el => {
      const box = el.getBoundingClientRect();
      return !el.checkVisibility() || box.width < 1 || box.left < 0
        || box.right > document.documentElement.clientWidth;
    }).map(el => el.textContent.trim()),
  }))"""

# The size each chart's text is drawn at, in CSS px: its font size times the chart's scale.
_CHART_TEXT = """() => [...document.querySelectorAll("svg.app-chart text")].map(text => ({
  text: text.textContent.trim(),
  px: parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a,
}))"""
_BODY_TEXT = (
    """() => parseFloat(getComputedStyle(document.querySelector("main p.govuk-body")).fontSize)"""
)

_GAP_FIGURES = """() => [
  ...document.querySelectorAll("svg.app-chart--gaps .app-chart__figure")].map(text => ({
    gap: text.dataset.gap, flag: text.dataset.flag, words: text.textContent.trim()}))"""
_GAP_BARS = """() => [...document.querySelectorAll("svg.app-chart--gaps rect.app-chart__bar")].map(
  bar => [...bar.classList].find(c => c.startsWith("app-chart__bar--")) || "")"""
_BOTTOMS = """() => ({
  ticks: Math.max(...[...document.querySelectorAll("svg.app-chart--gaps .app-chart__tick")]
    .map(t => t.getBoundingClientRect().bottom)),
  svg: document.querySelector("svg.app-chart--gaps").getBoundingClientRect().bottom,
  legend: document.querySelector('[data-testid="gap-legend"]').getBoundingClientRect().top,
  heading: document.getElementById("organisations").getBoundingClientRect().top,
})"""


@pytest.fixture
def results_page(page: Page, context, live_server, demo_data) -> Page:
    partnership = Partnership.objects.get(name=PARTNERSHIPS["alliance"]["name"])
    review = partnership.reviews.filter(state=Review.State.CLOSED).latest("closed_on")
    signed_in(context, live_server, User.objects.get(email=LEAD_COMMISSIONER))
    page.goto(
        reverse(
            "partnerships:review_results",
            kwargs={"code": partnership.code, "review_code": review.code},
        )
    )
    return page


def _table_by_principle(page):
    return {row[0]: row[1:] for row in page.evaluate(_TABLE)}


def test_a_phone_gets_a_card_per_principle_with_every_figure(results_page: Page):
    page = results_page
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    expect(page.get_by_test_id("scores")).to_be_hidden()
    table = _table_by_principle(page)
    cards = page.evaluate(_CARDS)
    assert [card["title"] for card in cards] == list(table)
    assert len(cards) == 7
    for card in cards:
        assert card["outside"] == [], card["title"]
        assert [label for label, _ in card["rows"]] == LABELS
        # Each figure is the table's, beside the label of the table's column.
        assert [figure for _, figure in card["rows"]] == table[card["title"]], card["title"]
        assert all(figure for _, figure in card["rows"]), card["title"]
    screenshot(page, "results-375")
    check_page(page)

    # A laptop gets the table and no cards.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.get_by_test_id("scores")).to_be_visible()
    expect(page.get_by_test_id("scores-stacked")).to_be_hidden()
    screenshot(page, "results-1280")


def test_text_at_200_percent_gets_the_cards_and_loses_nothing(results_page: Page):
    page = results_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    expect(page.get_by_test_id("scores-stacked")).to_be_visible()
    expect(page.get_by_test_id("scores")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert all(card["outside"] == [] for card in page.evaluate(_CARDS))


@pytest.mark.parametrize("width", [375, 1280])
def test_chart_text_is_at_least_body_text(results_page: Page, width):
    page = results_page
    page.set_viewport_size({"width": width, "height": 800})
    body = page.evaluate(_BODY_TEXT)
    assert body >= 16
    texts = page.evaluate(_CHART_TEXT)
    assert len(texts) > 30  # the radar's numbers and scale, the gap chart's labels and ticks
    small = [(t["text"], round(t["px"], 1)) for t in texts if t["px"] < body - 0.01]
    assert small == [], f"body text is {body} px"
    # The radar shows its scale, 1 to 5.
    scale = page.locator("svg.app-chart--radar .app-chart__scale")
    expect(scale).to_have_text(["1", "2", "3", "4", "5"])


@pytest.mark.parametrize("width", [375, 1280])
def test_the_gap_chart_agrees_with_the_table_and_its_legend(results_page: Page, width):
    page = results_page
    page.set_viewport_size({"width": width, "height": 800})
    table = _table_by_principle(page)
    figures = page.evaluate(_GAP_FIGURES)
    bars = page.evaluate(_GAP_BARS)
    assert len(figures) == len(table) == 7
    words = {"significant": "Significant", "watch": "Watch", "": None}
    for (principle, cells), figure, bar in zip(table.items(), figures, bars, strict=True):
        gap = cells[LABELS.index("Gap")]
        # The chart's figure is the table's, its word the table's tag, its colour the legend's.
        assert gap.split()[0] == figure["gap"] == figure["words"].split()[0], principle
        assert (
            (words[figure["flag"]] in gap)
            if words[figure["flag"]]
            else ("Significant" not in gap and "Watch" not in gap)
        ), principle
        assert bar == (f"app-chart__bar--{figure['flag']}" if figure["flag"] else ""), principle
    legend = page.get_by_test_id("gap-legend")
    expect(legend).to_contain_text("Significant: a point or more")
    expect(legend).to_contain_text("Watch: half a point or more")
    expect(legend).to_contain_text("Less than half a point")
    # The axis labels end inside the chart, above its legend and the next heading.
    bottoms = page.evaluate(_BOTTOMS)
    assert bottoms["ticks"] <= bottoms["svg"] <= bottoms["legend"] < bottoms["heading"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_viewer_sees_agreed_actions_but_is_offered_none(
    page: Page, context, live_server, demo_data
):
    partnership = Partnership.objects.get(name=PARTNERSHIPS["alliance"]["name"])
    review = partnership.reviews.filter(state=Review.State.CLOSED).latest("closed_on")
    signed_in(context, live_server, User.objects.get(email=ICB_VIEWER))
    page.goto(
        reverse(
            "partnerships:review_results",
            kwargs={"code": partnership.code, "review_code": review.code},
        )
    )
    expect(page.get_by_test_id("agreed").first).to_contain_text("Action agreed: ")
    expect(page.get_by_role("link", name="Add this as an action")).to_have_count(0)
    expect(page.get_by_role("link", name="Add an action")).to_have_count(0)
    page.get_by_test_id("agreed").first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Actions")
    check_page(page)
