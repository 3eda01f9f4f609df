"""The patient replies to their co-ordinator and the co-ordinator sees it live in the
staff portal (issue 11, acceptance): Debian's Chromium, the whole portal on loopback,
both signed in through the development OIDC provider. With JavaScript the co-ordinator's
open thread page shows the message without reloading (axe-clean before and after);
without it, the page's refresh link shows it.
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from services.portal.tests.front_door.live import COORDINATOR_LOGIN, FrontDoorStack
from services.portal.tests.front_door.test_browser import (
    axe,
    browser,
    checked,
    front_door_settings,
    front_door_stack,
    p9_asks,
    p9_writes,
    signed_in,
)

__all__ = ["axe", "browser", "front_door_settings", "front_door_stack"]  # fixtures used


def test_the_co_ordinator_sees_the_patients_reply_live(
    browser: Browser, front_door_stack: FrontDoorStack, axe: Axe
) -> None:
    stack = front_door_stack
    patient, path = p9_asks(browser, stack, "Can my review be moved?")
    staff = signed_in(browser, stack, COORDINATOR_LOGIN.name, path.replace("/my/", "/duty/"))
    expect(staff.get_by_role("main")).to_contain_text("Can my review be moved?")
    expect(staff.locator(".portal-live__refresh")).to_be_hidden()  # the stream is open
    checked(axe, staff, "team-thread-live")
    staff.evaluate("window.notReloaded = true")

    p9_writes(patient, "Please ring me after 2pm.")

    expect(staff.locator("#thread-part")).to_contain_text(
        "Please ring me after 2pm.", timeout=15_000
    )
    expect(staff.locator("[data-live-status]")).to_have_text(
        "A new message arrived on this request."
    )
    assert staff.evaluate("window.notReloaded") is True
    checked(axe, staff, "team-thread-live-updated")
    staff.set_viewport_size({"width": 320, "height": 900})
    checked(axe, staff, "team-thread-live-320px")
    staff.context.close()
    patient.context.close()


def test_without_javascript_the_co_ordinators_refresh_link_shows_the_reply(
    browser: Browser, front_door_stack: FrontDoorStack, axe: Axe
) -> None:
    stack = front_door_stack
    patient, path = p9_asks(browser, stack, "Can my review be moved?")
    staff_path = path.replace("/my/", "/duty/")
    staff = signed_in(browser, stack, COORDINATOR_LOGIN.name, staff_path, js=False, width=320)
    refresh = staff.get_by_role("link", name="Refresh this page")
    expect(refresh).to_be_visible()

    p9_writes(patient, "I can come on Tuesday instead.")
    refresh.click()

    expect(staff.get_by_role("main")).to_contain_text("I can come on Tuesday instead.")
    checked(axe, staff, "team-thread-refreshed", js=False)
    staff.context.close()
    patient.context.close()
