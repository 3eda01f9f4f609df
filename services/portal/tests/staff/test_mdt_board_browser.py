"""The actions board and the quorum warning in a real browser (Debian's Chromium).

Signed in through the real OIDC flow as the demo MDT member; the board is filtered and
an action marked done with the keyboard only, with JavaScript on and off; the meeting
page and meeting mode show the quorum warning after attendance. axe-core scans each
page and state at WCAG 2.2 A/AA. Screenshots: `mdt-board-*`, `mdt-quorum-*`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from services.portal.tests.staff.conftest import GP, checked, signed_in_page, unique
from services.portal.tests.staff.mdt_fixtures import (
    CHAIR,
    MdtWorld,
    action_part,
    discuss,
    listed_meeting,
)
from services.portal.tests.web.test_browser import browser_after

_MAX_TABS = 60


@pytest.fixture(scope="module")
async def world(with_mdt: MdtWorld) -> dict[str, Any]:
    """Per run (JavaScript on, off) an MDT with two actions; and a held meeting."""
    made: dict[str, Any] = {}
    due = (date.today() + timedelta(days=3)).isoformat()
    for js in ("on", "off"):
        name = unique(f"Board {js} MDT")
        (case,) = (await listed_meeting(with_mdt, name, [unique("Falls?")])).cases
        words = [unique("Home visit"), unique("Blood tests")]
        await discuss(
            with_mdt, case,
            action_part(words[0], "Community nurse", due),
            action_part(words[1], GP.organisation or "", due),
        )  # fmt: skip
        made[js] = {"name": name, "words": words}
    quorum = await listed_meeting(with_mdt, unique("Quorum MDT"), [unique("Falls?")])
    meeting, (case,) = quorum.meeting, quorum.cases
    attended = await with_mdt.call(
        "POST", f"Appointment/{meeting}/$record-attendance", with_mdt.chair,
        {"resourceType": "Parameters",
         "parameter": [{"name": "attendee", "valueString": GP.subject}]},
    )  # fmt: skip
    assert attended.status_code == 201, attended.text
    made["quorum"] = {"meeting": meeting, "case": case}
    return made


browser = browser_after("world")


def _tab_to_and_press(page: Page, selector: str, key: str) -> None:
    target = page.locator(selector).first
    for _ in range(_MAX_TABS):
        if target.evaluate("element => element === document.activeElement"):
            page.keyboard.press(key)
            return
        page.keyboard.press("Tab")
    pytest.fail(f"{selector} was not reached by Tab")


@pytest.mark.parametrize("js", ["on", "off"])
def test_a_member_filters_the_board_and_marks_an_action_done_by_keyboard(
    with_mdt: MdtWorld, world: dict[str, Any], browser: Browser, axe: Axe, js: str
) -> None:
    mine, shots = world[js], f"mdt-board-{js}"
    page = signed_in_page(browser, with_mdt.stack, CHAIR.name, "/mdt", js=js == "on")
    _tab_to_and_press(page, "#board-link", "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Actions board")
    checked(axe, page, f"{shots}-all", js == "on")
    page.get_by_label("MDT").select_option(mine["name"])
    page.get_by_label("Owner").select_option("Community nurse")
    _tab_to_and_press(page, "button:has-text('Show actions')", "Enter")
    expect(page.locator("#board")).to_contain_text(mine["words"][0])
    expect(page.locator("#board")).not_to_contain_text(mine["words"][1])
    checked(axe, page, f"{shots}-filtered", js == "on")

    _tab_to_and_press(page, "#board button", "Enter")

    expect(page.get_by_role("status")).to_contain_text("Marked as done")
    expect(page.locator("#no-actions")).to_be_visible()
    expect(page.get_by_label("Owner")).to_have_value("Community nurse")
    checked(axe, page, f"{shots}-done", js == "on")
    page.context.close()


def test_the_meeting_and_meeting_mode_warn_when_a_discipline_is_missing(
    with_mdt: MdtWorld, world: dict[str, Any], browser: Browser, axe: Axe
) -> None:
    held = world["quorum"]
    path = f"/mdt/meetings/{held['meeting']}"
    page = signed_in_page(browser, with_mdt.stack, CHAIR.name, path)
    expect(page.locator("#quorum")).to_contain_text("Not quorate")
    expect(page.locator(f"#gap-{held['case']}")).to_contain_text("social care professional")
    checked(axe, page, "mdt-quorum-meeting")
    page.goto(f"{with_mdt.stack.portal_url}{path}/cases/{held['case']}")
    expect(page.locator("#case-quorum")).to_contain_text("nobody present covers it")
    checked(axe, page, "mdt-quorum-case")
    page.context.close()
