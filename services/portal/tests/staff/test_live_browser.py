"""Live updates in a real browser: the GP's open request page shows the specialist's
advice without reloading (referrals' event -> Kafka -> the portal's worker -> the page's
event stream), and a new request appears on the clinician's open worklist; with JavaScript
off the page offers a plain refresh link instead, which shows the same. Each state scanned
by axe-core. Screenshots: `live-*`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from services.portal.tests.staff.conftest import (
    GP,
    TRIAGE,
    StaffStack,
    ask,
    signed_in_page,
)
from services.portal.tests.staff.test_live_pages import advise
from services.portal.tests.web.test_browser import (
    SCREENSHOTS,
    assert_accessible,
    browser_after,
)


@pytest.fixture(scope="module")
async def requests(live_feed: StaffStack) -> list[str]:
    """Made before the browser starts (async set-up cannot run in Playwright's loop)."""
    practice = str(GP.organisation)
    return [await ask(live_feed, practice, live_feed.cardiology, f"Live {n}") for n in range(2)]


browser = browser_after("requests")


def _meanwhile(work: Callable[[], Coroutine[Any, Any, Any]]) -> None:
    """Someone else's action, on another thread's event loop (Playwright's is busy)."""
    thread = threading.Thread(target=lambda: asyncio.run(work()))
    thread.start()
    thread.join(30)


def test_the_gps_open_page_shows_the_advice_without_reloading(
    browser: Browser, live_feed: StaffStack, axe: Axe, requests: list[str]
) -> None:
    request_id = requests[0]
    page = signed_in_page(browser, live_feed, GP.name, f"/advice/{request_id}")
    expect(page.locator(".portal-live__refresh")).to_be_hidden()  # the stream is open
    assert_accessible(axe, page, "live-waiting")
    _meanwhile(lambda: advise(live_feed, request_id, "Live advice: start a statin"))
    expect(page.locator("#triage-notes")).to_contain_text(
        "Live advice: start a statin", timeout=45_000
    )
    expect(page.locator("[data-live-status]")).to_have_text("This request was updated just now.")
    assert_accessible(axe, page, "live-updated")
    page.context.close()


def test_without_javascript_a_refresh_link_shows_the_advice(
    browser: Browser, live_feed: StaffStack, requests: list[str]
) -> None:
    request_id = requests[1]
    page = signed_in_page(browser, live_feed, GP.name, f"/advice/{request_id}", js=False)
    refresh = page.get_by_role("link", name="Refresh this page")
    expect(refresh).to_be_visible()
    _meanwhile(lambda: advise(live_feed, request_id, "No-JS advice: recheck in a week"))
    refresh.click()
    expect(page.locator("#triage-notes")).to_contain_text("No-JS advice: recheck in a week")
    page.screenshot(path=str(SCREENSHOTS / "live-no-js-refreshed.png"), full_page=True)
    page.context.close()


def test_a_new_request_appears_on_the_clinicians_open_worklist(
    browser: Browser, live_feed: StaffStack, axe: Axe
) -> None:
    page = signed_in_page(browser, live_feed, TRIAGE.name, "/triage")
    expect(page.locator(".portal-live__refresh")).to_be_hidden()
    question = "Live worklist: new chest pain clinic question"
    _meanwhile(lambda: ask(live_feed, str(GP.organisation), live_feed.cardiology, question))
    expect(page.locator("#worklist-part")).to_contain_text(question, timeout=45_000)
    expect(page.locator("[data-live-status]")).to_have_text("The worklist was updated just now.")
    assert_accessible(axe, page, "live-worklist-updated")
    page.context.close()
