"""What the front door's browser tests share: Debian's Chromium and axe-core for a
module, a page signed in through the development OIDC provider, the request form filled
in, the P9 patient's thread, and the axe check (with its screenshot) of a page as it
stands and at 320 px."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, expect

from services.portal.tests.front_door.live import P9, FrontDoorStack
from services.portal.tests.web.test_browser import (
    SCREENSHOTS,
    assert_accessible,
    browser_after,
    sign_in_at_provider,
)

__all__ = [
    "axe",
    "browser",
    "checked",
    "checked_narrow",
    "new_page",
    "p9_asks",
    "p9_writes",
    "send_request",
    "signed_in",
]


browser = browser_after("front_door_stack")


@pytest.fixture(scope="module")
def axe(front_door_stack: FrontDoorStack) -> Axe:
    from portal.web.config import DEFAULT_NODE_MODULES

    return Axe.from_file(DEFAULT_NODE_MODULES / "axe-core" / "axe.min.js")


def new_page(browser: Browser, js: bool = True, width: int = 1024) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=js)
    return context.new_page()


def signed_in(
    browser: Browser,
    stack: FrontDoorStack,
    name: str,
    path: str,
    js: bool = True,
    width: int = 1024,
) -> Page:
    page = new_page(browser, js, width)
    page.goto(f"{stack.portal_url}{path}")
    sign_in_at_provider(page, stack, name)
    page.wait_for_url(f"{stack.portal_url}{path}**")
    return page


def send_request(
    page: Page, age: int, sex: str, answer: str, text: str = "", phone: str = ""
) -> Locator:
    """Fill in and send the request form open in `page`; the answer page's main region."""
    page.get_by_label("Your age in years").fill(str(age))
    page.get_by_label(sex, exact=True).check()
    page.locator(f"#q-{answer}").check()
    if text:
        page.get_by_label("Tell us more in your own words").fill(text)
    if phone:
        page.get_by_label("A phone number we can call you on (optional)").fill(phone)
    page.get_by_role("button", name="Send").click()
    return page.get_by_role("main")


def p9_asks(browser: Browser, stack: FrontDoorStack, text: str) -> tuple[Page, str]:
    """The P9 patient sends a request and opens its thread; the page and its path."""
    page = signed_in(browser, stack, P9.name, "/requests/new")
    send_request(page, 72, "Male", "other-problem", text)
    page.goto(f"{stack.portal_url}/my/plan")
    page.get_by_role("table").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request")
    return page, page.url.removeprefix(stack.portal_url).split("?")[0]


def p9_writes(page: Page, text: str) -> None:
    """The patient writes on the thread open in `page`."""
    page.get_by_label("Write to your care team").fill(text)
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("status")).to_contain_text("Message sent.")


def checked(axe: Axe, page: Page, name: str, js: bool = True) -> None:
    """axe-core runs in the page, so with JavaScript off only the screenshot is taken."""
    if js:
        assert_accessible(axe, page, f"front-door-{name}")
    else:
        page.screenshot(path=str(SCREENSHOTS / f"front-door-{name}-no-js.png"), full_page=True)


def checked_narrow(axe: Axe, page: Page, name: str, height: int = 640) -> None:
    """The page again at 320 px wide (WCAG 1.4.10 reflow), checked as `<name>-320px`."""
    page.set_viewport_size({"width": 320, "height": height})
    checked(axe, page, f"{name}-320px")
