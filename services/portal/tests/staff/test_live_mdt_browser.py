"""Live MDT pages in a real browser: a case listed appears on the member's open meeting
page once the list is assembled, an action given to the practice on the GP's open
actions page, and an action acknowledged and then completed on the members' open
actions board, without reloading (mdt's event -> Kafka -> the portal's worker -> the
page's event stream); with JavaScript off the page offers a plain refresh link instead.
Each state scanned by axe-core. Screenshots: `live-mdt-*`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from services.portal.tests.staff.conftest import GP, PEOPLE, signed_in_page
from services.portal.tests.staff.mdt_fixtures import (
    MdtWorld,
    action_part,
    actions_of,
    book,
    discuss,
    listed_cases,
    make_team,
    settle,
)
from services.portal.tests.staff.test_live_browser import _meanwhile
from services.portal.tests.web.test_browser import (
    SCREENSHOTS,
    assert_accessible,
    browser_after,
)


@dataclass(frozen=True)
class Made:
    """Made before the browser starts (async set-up cannot run in Playwright's loop)."""

    team: str
    meetings: list[str]
    listed: str  # a case already on the second meeting's list
    action: str  # an action of another MDT's discussed case, for the GP's practice


BOARD_ACTION = "Live browser: book the falls clinic"


@pytest.fixture(scope="module")
async def made(mdt_feed: MdtWorld) -> Made:
    team = await make_team(mdt_feed, "Live browser MDT")
    meetings = await book(mdt_feed, team, count=2)
    (case,) = await listed_cases(mdt_feed, team, meetings[1], ["Live browser: already listed"])
    board_team = await make_team(mdt_feed, "Live board MDT")
    (board_meeting,) = await book(mdt_feed, board_team)
    (discussed,) = await listed_cases(mdt_feed, board_team, board_meeting, ["Who books it?"])
    due = (date.today() + timedelta(days=20)).isoformat()
    await discuss(mdt_feed, discussed, action_part(BOARD_ACTION, str(GP.organisation), due))
    action = (await actions_of(mdt_feed, discussed))[BOARD_ACTION]
    return Made(team, meetings, case, action)


browser = browser_after("made")


def test_a_case_listed_appears_on_the_open_meeting_page(
    browser: Browser, mdt_feed: MdtWorld, axe: Axe, made: Made
) -> None:
    """The nomination is announced before the chair assembles the list, and the
    assembly after it: the page re-renders on the assembly, so it shows the new case."""
    meeting = made.meetings[0]
    chair = PEOPLE["mdt-member"].name
    page = signed_in_page(browser, mdt_feed.stack, chair, f"/mdt/meetings/{meeting}")
    expect(page.locator(".portal-live__refresh")).to_be_hidden()  # the stream is open
    question = "Live browser: new falls case"
    _meanwhile(lambda: listed_cases(mdt_feed, made.team, meeting, [question]))
    expect(page.locator("#case-list")).to_contain_text(question, timeout=45_000)
    expect(page.locator("[data-live-status]")).to_have_text("This page was updated just now.")
    assert_accessible(axe, page, "live-mdt-meeting-updated")
    page.context.close()


def test_an_acknowledged_then_completed_action_changes_on_the_open_board(
    browser: Browser, mdt_feed: MdtWorld, axe: Axe, made: Made
) -> None:
    """The practice acknowledges, then someone marks the action done, elsewhere: the
    chair's open actions board (every state) shows each without reloading."""
    chair = PEOPLE["mdt-member"].name
    page = signed_in_page(browser, mdt_feed.stack, chair, "/mdt/actions?state=all")
    expect(page.locator(".portal-live__refresh")).to_be_hidden()
    row = page.locator(f"#action-{made.action}")
    expect(row).to_contain_text("Waiting for the practice to acknowledge")
    expect(row).not_to_contain_text("Acknowledged")
    _meanwhile(lambda: settle(mdt_feed, made.action, "acknowledge", mdt_feed.gp))
    expect(row).to_contain_text("Acknowledged", timeout=45_000)
    expect(page.locator("[data-live-status]")).to_have_text("This page was updated just now.")
    assert_accessible(axe, page, "live-mdt-board-acknowledged")
    _meanwhile(lambda: settle(mdt_feed, made.action, "complete", mdt_feed.gp))
    expect(row).to_contain_text("Completed", timeout=45_000)
    assert_accessible(axe, page, "live-mdt-board-completed")
    page.context.close()


def test_an_action_for_the_practice_appears_on_the_gps_open_actions_page(
    browser: Browser, mdt_feed: MdtWorld, axe: Axe, made: Made
) -> None:
    case = made.listed
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
    browser: Browser, mdt_feed: MdtWorld, made: Made
) -> None:
    meeting = made.meetings[1]
    chair = PEOPLE["mdt-member"].name
    page = signed_in_page(browser, mdt_feed.stack, chair, f"/mdt/meetings/{meeting}", js=False)
    refresh = page.get_by_role("link", name="Refresh this page")
    expect(refresh).to_be_visible()
    refresh.click()
    expect(page.locator("#case-list")).to_contain_text("Live browser: already listed")
    page.screenshot(path=str(SCREENSHOTS / "live-mdt-no-js.png"), full_page=True)
    page.context.close()
