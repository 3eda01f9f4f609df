"""The indicators page in a real browser, signed in through the real OIDC flow and
scanned by axe-core (WCAG 2.2 A/AA): every bar is reachable by keyboard and names its
numbers on focus; with JavaScript off the chart and table are the same (server-drawn).
Screenshots: `indicators-*`.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from services.portal.tests.staff.conftest import (
    CO_ORDINATOR,
    StaffStack,
    on_caseload,
    signed_in_page,
)
from services.portal.tests.web.test_browser import (
    SCREENSHOTS,
    assert_accessible,
    browser_after,
)


@pytest.fixture(scope="module")
async def counted(with_care_plans: StaffStack) -> str:
    """Made before the browser starts (async set-up cannot run in Playwright's loop)."""
    return (await on_caseload(with_care_plans, "Counted in G1-G3"))[0]


browser = browser_after("counted")


def test_the_indicator_bars_are_focusable_and_name_their_numbers(
    browser: Browser, with_care_plans: StaffStack, axe: Axe
) -> None:
    page = signed_in_page(browser, with_care_plans, CO_ORDINATOR.name, "/indicators")
    first_bar = page.locator(".portal-bar").first
    first_bar.focus()
    expect(first_bar).to_be_focused()
    label = re.compile(r"^G1 .*: \d+ of \d+ \(\d+\.\d%\), ")
    expect(first_bar).to_have_attribute("aria-label", label)
    expect(first_bar.locator(".portal-bar__detail")).to_be_visible()
    expect(page.get_by_role("table").first).to_contain_text("G2 Named care co-ordinator")
    assert_accessible(axe, page, "indicators")
    page.context.close()


def test_without_javascript_the_chart_and_table_are_there(
    browser: Browser, with_care_plans: StaffStack
) -> None:
    page = signed_in_page(browser, with_care_plans, CO_ORDINATOR.name, "/indicators", js=False)
    expect(page.locator(".portal-bar")).to_have_count(6)  # your practice and the whole system
    expect(page.get_by_role("table")).to_have_count(2)
    page.screenshot(path=str(SCREENSHOTS / "indicators-no-js.png"), full_page=True)
    page.context.close()
