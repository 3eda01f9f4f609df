"""Live MDT pages in a real browser: a case listed appears on the member's open meeting
page, and an action given to the practice on the GP's open actions page, without
reloading (mdt's event -> Kafka -> the portal's worker -> the page's event stream); with
JavaScript off the page offers a plain refresh link instead. Each state scanned by
axe-core. Screenshots: `live-mdt-*`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from services.portal.tests.staff.conftest import GP, PEOPLE, chromium, signed_in_page
from services.portal.tests.staff.mdt_fixtures import (
    MdtWorld,
    action_part,
    book,
    discuss,
    listed_cases,
    make_team,
    mdt_db,
    with_mdt,
)
from services.portal.tests.staff.test_live_browser import _meanwhile
from services.portal.tests.staff.test_live_mdt_pages import mdt_feed
from services.portal.tests.web.test_browser import SCREENSHOTS, assert_accessible

__all__ = ["mdt_db", "mdt_feed", "with_mdt"]  # fixtures used by this module


@pytest.fixture(scope="module")
async def meetings(mdt_feed: MdtWorld) -> tuple[str, list[str], str]:
    """An MDT with two meetings (one case already on the second's list), made before the
    browser starts (async set-up cannot run in Playwright's loop)."""
    team = await make_team(mdt_feed, "Live browser MDT")
    meetings = await book(mdt_feed, team, count=2)
    (case,) = await listed_cases(mdt_feed, team, meetings[1], ["Live browser: already listed"])
    return team, meetings, case


@pytest.fixture(scope="module")
def browser(meetings: tuple[str, list[str], str]) -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_a_case_listed_appears_on_the_open_meeting_page(
    browser: Browser, mdt_feed: MdtWorld, axe: Axe, meetings: tuple[str, list[str], str]
) -> None:
    team, (meeting, _), _ = meetings
    chair = PEOPLE["mdt-member"].name
    page = signed_in_page(browser, mdt_feed.stack, chair, f"/mdt/meetings/{meeting}")
    expect(page.locator(".portal-live__refresh")).to_be_hidden()  # the stream is open
    question = "Live browser: new falls case"

    async def two_listings() -> None:
        # The page re-renders on each case-listed notice, and a case shows once the chair
        # has assembled the list: the second listing's notice comes after the first case's
        # assembly, whichever way the first notice races its own assembly.
        await listed_cases(mdt_feed, team, meeting, [question])
        await listed_cases(mdt_feed, team, meeting, ["Live browser: a later case"])

    _meanwhile(two_listings)
    expect(page.locator("#case-list")).to_contain_text(question, timeout=45_000)
    expect(page.locator("[data-live-status]")).to_have_text("This page was updated just now.")
    assert_accessible(axe, page, "live-mdt-meeting-updated")
    page.context.close()


def test_an_action_for_the_practice_appears_on_the_gps_open_actions_page(
    browser: Browser, mdt_feed: MdtWorld, axe: Axe, meetings: tuple[str, list[str], str]
) -> None:
    _, _, case = meetings
    page = signed_in_page(browser, mdt_feed.stack, GP.name, "/actions")
    expect(page.locator(".portal-live__refresh")).to_be_hidden()
    due = (date.today() + timedelta(days=10)).isoformat()
    action = action_part("Live browser: review the falls plan", str(GP.organisation), due)
    _meanwhile(lambda: discuss(mdt_feed, case, action))
    expect(page.locator("#actions")).to_contain_text(
        "Live browser: review the falls plan", timeout=45_000
    )
    expect(page.get_by_role("button", name="Acknowledge").first).to_be_visible()
    assert_accessible(axe, page, "live-mdt-actions-updated")
    page.context.close()


def test_without_javascript_the_meeting_page_offers_a_refresh_link(
    browser: Browser, mdt_feed: MdtWorld, meetings: tuple[str, list[str], str]
) -> None:
    _, (_, meeting), _ = meetings
    chair = PEOPLE["mdt-member"].name
    page = signed_in_page(browser, mdt_feed.stack, chair, f"/mdt/meetings/{meeting}", js=False)
    refresh = page.get_by_role("link", name="Refresh this page")
    expect(refresh).to_be_visible()
    refresh.click()
    expect(page.locator("#case-list")).to_contain_text("Live browser: already listed")
    page.screenshot(path=str(SCREENSHOTS / "live-mdt-no-js.png"), full_page=True)
    page.context.close()
