"""Browser tests: Debian's Chromium, driven by Playwright against pytest-django's live_server.

Every page a test visits should pass axe-core's WCAG 2.2 AA checks: call
`assert_no_axe_violations(page)` on each state worth checking.
"""

import importlib
import os
import re
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.conftest import SignedInClient
from tests.partnerships.smtp_sink import SmtpSink

# Playwright's sync API keeps an event loop running in the test thread, and Django refuses
# ORM calls from a thread with a running loop unless told it is safe (it is: the loop is idle).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and quiet: no calls home, no updates, no QUIC (the sandbox has no network).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. "
            "Run `make test`, which installs it (apt-get install chromium).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def live_db(transactional_db):
    """A database the live server's thread can see.

    The live server reads committed rows only, so these tests run outside a transaction and
    the tables are emptied afterwards, which also empties what the data migrations loaded.
    The 2014 framework is loaded again here rather than by a serialized rollback: Playwright's
    sync API starts its own context, in which Django's serialized copy is not visible when the
    database was set up before the browser started.
    """
    load_framework = importlib.import_module("principles.migrations.0002_framework_2014").load
    load_framework(django_apps, None)


@pytest.fixture
def demo_data(live_db):
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def smtp(settings) -> Iterator[SmtpSink]:
    """A real SMTP server on loopback that the app's email goes to, to count what arrives."""
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "config.email.SmtpBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", sink.port, 5
    yield sink
    sink.stop()


def emails_about(smtp: SmtpSink, words: str) -> list[tuple[tuple[str, ...], str]]:
    """(recipients, subject) of each email received whose subject contains `words`."""
    return [
        (tuple(message.to), " ".join(message.subject.split()))
        for message in smtp.received
        if words in message.subject
    ]


@pytest.fixture
def context(browser, live_server) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    # Pages answer in milliseconds on loopback; a missing element should fail fast.
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context) -> Page:
    return context.new_page()


def signed_in(context: BrowserContext, live_server, user) -> None:
    """Starts the browser with a session already past both sign-in steps.

    For journeys about something else; the sign-in pages have journeys of their own.
    """
    client = SignedInClient()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def assert_no_axe_violations(page: Page) -> None:
    """Fail with each WCAG 2.2 AA violation axe-core finds on the page as it is now."""
    # A click returns once the next page starts to arrive; unstyled, its radios are tiny.
    page.wait_for_load_state("load")
    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": WCAG_TAGS},
            "resultTypes": ["violations"],
        },
    )
    violations = results.response["violations"]
    if not violations:
        return

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", page.title().lower()).strip("-") or "page"
    path = ARTIFACTS / f"axe-{slug}.png"
    page.screenshot(path=path, full_page=True)

    lines = [f"{len(violations)} accessibility violation(s) on {page.url} (screenshot: {path}):"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " ".join(str(selector) for selector in node["target"])
            lines.append(f"    at {target}: {node['html']}")
    pytest.fail("\n".join(lines), pytrace=False)


def assert_no_sideways_scroll(page: Page, width: int = 320) -> None:
    """At 320 CSS px (a 1280 px screen zoomed to 400%) the page reflows: WCAG 1.4.10."""
    before = page.viewport_size
    page.set_viewport_size({"width": width, "height": 800})
    try:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(_WIDE_ELEMENTS, width) if scroll_width > width else []
    finally:
        page.set_viewport_size(before)
    if scroll_width > width:
        pytest.fail(
            f"{page.url} scrolls sideways at {width} px ({scroll_width} px wide); "
            "sticking out:\n" + "\n".join(f"- {element}" for element in wide),
            pytrace=False,
        )


# The innermost elements that reach past the right edge, to say what to fix. Inside a
# scrolling region only those placed out of its flow count: the region clips the rest.
_WIDE_ELEMENTS = """width => {
  const escapes = el => ["absolute", "fixed"].includes(getComputedStyle(el).position);
  const wide = [...document.body.querySelectorAll("*")].filter(
    el => el.getBoundingClientRect().right > width + 0.5
      && (!el.closest(".app-table-scroll") || escapes(el))
  );
  return wide.filter(el => !wide.some(other => other !== el && el.contains(other)))
    .slice(0, 10)
    .map(el => {
      const right = Math.round(el.getBoundingClientRect().right);
      return `${el.outerHTML.slice(0, 160)} (right edge ${right} px)`;
    });
}"""


# Text that leaves the viewport, or is drawn outside its own box. Tables inside their own
# scrolling region may be wider than the page: that region scrolls, the page does not.
_CLIPPED_TEXT = """() => {
  // Where an element's own visible text is drawn, as one rectangle.
  const textBox = el => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    let box = null;
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (!node.data.trim() || node.parentElement.closest(".govuk-visually-hidden")) continue;
      range.selectNodeContents(node);
      const r = range.getBoundingClientRect();
      if (!r.width) continue;
      box = box ? {left: Math.min(box.left, r.left), right: Math.max(box.right, r.right),
                   bottom: Math.max(box.bottom, r.bottom)} : r;
    }
    return box;
  };
  const width = document.documentElement.clientWidth;
  const problems = [];
  if (document.documentElement.scrollWidth > width) {
    problems.push(`the page is ${document.documentElement.scrollWidth} px wide`);
  }
  const selector = "h1, h2, h3, label, legend, button, .govuk-button, a, p, li, dt, dd, th, td";
  for (const el of document.querySelectorAll(selector)) {
    if (!el.textContent.trim() || !el.checkVisibility({visibilityProperty: true})) continue;
    if (el.closest(".govuk-visually-hidden, .govuk-skip-link, .app-table-scroll")) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    const name = `<${el.tagName.toLowerCase()}> “${el.textContent.trim().slice(0, 40)}”`;
    if (box.left < -0.5 || box.right > width + 0.5) {
      const span = `${Math.round(box.left)} to ${Math.round(box.right)} px`;
      problems.push(`${name} runs outside the viewport (${span})`);
    }
    const text = textBox(el);
    const clipsY = getComputedStyle(el).overflowY !== "visible";
    if (text && (text.left < box.left - 1 || text.right > box.right + 1
                 || (clipsY && text.bottom > box.bottom + 1))) {
      problems.push(`${name} does not fit its box`);
    }
  }
  return problems;
}"""


def assert_text_zooms(page: Page) -> None:
    """Text at 200% of its size loses nothing (WCAG 1.4.4), on a 1280 px wide window.

    GOV.UK Frontend sizes text in rem, so doubling the root font size is text-only zoom:
    layout breakpoints stay where they are, which is where text most often overflows.
    """
    before = page.viewport_size
    page.set_viewport_size({"width": 1280, "height": 800})
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    try:
        problems = page.evaluate(_CLIPPED_TEXT)
    finally:
        page.evaluate("document.documentElement.style.fontSize = ''")
        page.set_viewport_size(before)
    if problems:
        pytest.fail(
            f"Text zoomed to 200% on {page.url}:\n" + "\n".join(f"- {p}" for p in problems),
            pytrace=False,
        )


def check_page(page: Page) -> None:
    """Every check a page gets: axe-core, reflow at 320 px and text zoomed to 200%."""
    assert_no_axe_violations(page)
    assert_no_sideways_scroll(page)
    assert_text_zooms(page)
