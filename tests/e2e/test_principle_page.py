"""A charity lead's principle page fits about two laptop screens, and says where she is.

At 1280 × 800 px everything a principle page asks, down to its "Save and continue" button,
lies within two screens (it took about four and a half, 3,600 px, with each scale's six
radios stacked). Keyboard use, 320 px and text at 200% are checked by journey 1 and the
pages module, on the same pages.
"""

from django.urls import reverse
from playwright.sync_api import Page, expect

from .conftest import check_page, screenshot, signed_in

SCREEN = {"width": 1280, "height": 800}


def test_each_principle_page_fits_two_screens_and_says_which_of_seven_it_is(
    page: Page, context, live_server, live_db, alice, charity_assessment
):
    signed_in(context, live_server, alice)
    page.set_viewport_size(SCREEN)
    review = charity_assessment.review
    principles = list(review.framework.principles.order_by("number"))
    assert len(principles) == 7
    for principle in principles:
        page.goto(
            reverse(
                "partnerships:assessment_principle",
                kwargs={
                    "code": review.partnership.code,
                    "review_code": review.code,
                    "assessment_code": charity_assessment.code,
                    "number": principle.number,
                },
            )
        )
        expect(page.get_by_test_id("progress")).to_have_text(f"Principle {principle.number} of 7")
        save = page.get_by_role("button", name="Save and continue").bounding_box()
        bottom = save["y"] + save["height"] + page.evaluate("window.scrollY")
        height = page.evaluate("document.documentElement.scrollHeight")
        assert bottom <= 2 * SCREEN["height"], (principle.number, bottom, height)
        # The scale of each statement lies on one line.
        rows = page.locator(".app-scale").evaluate_all(
            "scales => scales.map(s => new Set([...s.querySelectorAll('input')]"
            ".map(i => Math.round(i.getBoundingClientRect().top))).size)"
        )
        assert set(rows) == {1}, (principle.number, rows)
    screenshot(page, "principle-page-1280")
    check_page(page)
