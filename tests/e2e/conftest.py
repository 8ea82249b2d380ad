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
from django.core.management import call_command
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

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
def context(browser, live_server) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    # Pages answer in milliseconds on loopback; a missing element should fail fast.
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context) -> Page:
    return context.new_page()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def assert_no_axe_violations(page: Page) -> None:
    """Fail with each WCAG 2.2 AA violation axe-core finds on the page as it is now."""
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
