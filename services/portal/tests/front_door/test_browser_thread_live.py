"""Who sees a request's thread, in Debian's Chromium with the whole portal on loopback
and everyone signed in through the development OIDC provider (issue 11, acceptance):
the patient replies to their co-ordinator and the co-ordinator sees it live in the staff
portal (with JavaScript the open thread page shows the message without reloading,
axe-clean before and after; without it, the page's refresh link shows it); a P5
patient cannot see the care plan, and a P9 patient never sees another's request.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from services.portal.tests.front_door.browsing import (
    checked,
    checked_narrow,
    p9_asks,
    p9_writes,
    send_request,
    signed_in,
)
from services.portal.tests.front_door.live import (
    COORDINATOR_LOGIN,
    GP,
    P5,
    P9,
    PLAN_TITLE,
    FrontDoorStack,
)


@pytest.fixture
def asked(browser: Browser, front_door_stack: FrontDoorStack) -> Iterator[tuple[Page, str]]:
    """The P9 patient's page on a new request's thread, and the staff's path to it."""
    patient, path = p9_asks(browser, front_door_stack, "Can my review be moved?")
    yield patient, path.replace("/my/", "/duty/")
    patient.context.close()


def test_the_co_ordinator_sees_the_patients_reply_live(
    browser: Browser, front_door_stack: FrontDoorStack, axe: Axe, asked: tuple[Page, str]
) -> None:
    patient, path = asked
    staff = signed_in(browser, front_door_stack, COORDINATOR_LOGIN.name, path)
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
    checked_narrow(axe, staff, "team-thread-live", height=900)
    staff.context.close()


def test_without_javascript_the_co_ordinators_refresh_link_shows_the_reply(
    browser: Browser, front_door_stack: FrontDoorStack, axe: Axe, asked: tuple[Page, str]
) -> None:
    patient, path = asked
    staff = signed_in(browser, front_door_stack, COORDINATOR_LOGIN.name, path, js=False, width=320)
    refresh = staff.get_by_role("link", name="Refresh this page")
    expect(refresh).to_be_visible()

    p9_writes(patient, "I can come on Tuesday instead.")
    refresh.click()

    expect(staff.get_by_role("main")).to_contain_text("I can come on Tuesday instead.")
    checked(axe, staff, "team-thread-refreshed", js=False)
    staff.context.close()


def test_a_p5_patient_cannot_see_the_plan_and_a_p9_patient_never_sees_anothers_request(
    browser: Browser, front_door_stack: FrontDoorStack, axe: Axe
) -> None:
    stack = front_door_stack
    p5 = signed_in(browser, stack, P5.name, "/requests/new")
    send_request(p5, 40, "Female", "other-problem", "A question for my practice")
    expect(p5.get_by_role("heading", level=1)).to_be_visible()
    p5.goto(f"{stack.portal_url}/my/plan")
    expect(p5.get_by_role("heading", level=1)).to_have_text("You cannot see this yet")
    expect(p5.get_by_role("main")).to_contain_text("NHS login level P9")
    expect(p5.get_by_role("main")).not_to_contain_text(PLAN_TITLE)
    checked(axe, p5, "p5-plan-refused")
    p5.context.close()
    gp = {"Authorization": f"Bearer {stack.issuer.mint('gp', organisation=GP.organisation)}"}
    found = httpx.get(
        f"{stack.portal_url}/fhir/CommunicationRequest?status=active&_count=100",
        headers=gp,
        timeout=20,
    ).json()
    theirs = [
        e["resource"]["id"]
        for e in found.get("entry", [])
        if e["resource"]["subject"]["identifier"]["value"] == P5.nhs_number
    ]
    assert theirs

    p9 = signed_in(browser, stack, P9.name, f"/my/requests/{theirs[0]}")

    expect(p9.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(p9.get_by_role("main")).not_to_contain_text("A question for my practice")
    checked(axe, p9, "p9-anothers-request")
    p9.context.close()
