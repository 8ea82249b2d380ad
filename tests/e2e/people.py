"""A person at the browser: the same steps with a mouse or with the keyboard alone."""

import pytest
from playwright.sync_api import Locator, Page, expect


class Person:
    """Operates a page with the mouse or with the keyboard alone."""

    def __init__(self, page: Page, *, keyboard: bool):
        self.page, self.keyboard = page, keyboard

    def _is_focused(self, locator: Locator) -> bool:
        return locator.evaluate("el => el === document.activeElement")

    def tab_to(self, locator: Locator, *, limit: int = 150) -> None:
        """Tab forward until the element has focus; fail if the keyboard cannot reach it."""
        locator.wait_for()
        for _ in range(limit):
            if self._is_focused(locator):
                return
            self.page.keyboard.press("Tab")
        pytest.fail(f"could not reach {locator} with the Tab key")

    def follow(self, locator: Locator) -> None:
        """Follow a link or press a button: both lead to a new page here."""
        if self.keyboard:
            self.tab_to(locator)
            with self.page.expect_navigation():
                self.page.keyboard.press("Enter")
        else:
            locator.click()

    def press(self, locator: Locator) -> None:
        """Press something that acts on the page itself, such as a details summary."""
        if self.keyboard:
            self.tab_to(locator)
            self.page.keyboard.press("Enter")
        else:
            locator.click()

    def type(self, locator: Locator, text: str) -> None:
        if self.keyboard:
            self.tab_to(locator)
            self.page.keyboard.press("Control+A")
            self.page.keyboard.type(text)
        else:
            locator.fill(text)

    def tick(self, locator: Locator) -> None:
        """Tick a checkbox: Space on it from the keyboard."""
        if self.keyboard:
            self.tab_to(locator)
            self.page.keyboard.press("Space")
        else:
            locator.check()
        expect(locator).to_be_checked()

    def choose(self, group: Locator, label: str) -> None:
        """Pick one radio of a group: Tab into the group, then arrow keys, as people do."""
        wanted = group.get_by_label(label, exact=True)
        if not self.keyboard:
            wanted.check()
            return
        radios = group.locator("input[type=radio]")
        name = radios.first.get_attribute("name")
        for _ in range(150):
            if self.page.evaluate(
                "name => document.activeElement && document.activeElement.name === name", name
            ):
                break
            self.page.keyboard.press("Tab")
        values = radios.evaluate_all("els => els.map(el => el.value)")
        current = values.index(self.page.evaluate("document.activeElement.value"))
        target = values.index(wanted.get_attribute("value"))
        key = "ArrowDown" if target > current else "ArrowUp"
        for _ in range(abs(target - current)):
            self.page.keyboard.press(key)
        if target == current:
            self.page.keyboard.press("Space")
        expect(wanted).to_be_checked()
