"""Two routes of the front door in Chromium, signed in through the development OIDC
provider: a woman with UTI symptoms is sent to a pharmacy that is open now, and a P9
patient with a COPD rescue pack in their care plan is routed by their own plan. Each
page is axe-clean (WCAG 2.2 A/AA) at 320 px, and the form also works with JavaScript off.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from services.portal.tests.front_door.browsing import (
    checked,
    send_request,
    signed_in,
)
from services.portal.tests.front_door.live import (
    P5,
    P9,
    FrontDoorStack,
)

WAYS = [(True, 1024), (True, 320), (False, 320)]
WAY_IDS = ["javascript", "javascript-320px", "no-javascript-320px"]


@pytest.mark.parametrize(("js", "width"), WAYS, ids=WAY_IDS)
def test_a_30_year_old_woman_with_uti_symptoms_is_sent_to_a_pharmacy_that_is_open(
    browser: Browser, front_door_stack: FrontDoorStack, axe: Axe, js: bool, width: int
) -> None:
    page = signed_in(browser, front_door_stack, P5.name, "/requests/new", js, width)
    checked(axe, page, f"uti-ask-{width}px", js)

    main = send_request(page, 30, "Female", "uti-symptoms")
    expect(page.get_by_role("heading", level=1)).to_have_text("See a pharmacist")
    expect(main).to_contain_text("urinary tract infection")
    expect(main).to_contain_text("Pharmacy (Pharmacy First) is open now.")
    expect(main.get_by_text("Closed now")).to_have_count(0)
    expect(main).to_contain_text("We have kept your request")
    checked(axe, page, f"uti-pharmacy-{width}px", js)
    page.context.close()


@pytest.mark.parametrize(("js", "width"), WAYS, ids=WAY_IDS)
def test_a_p9_copd_patient_with_a_rescue_pack_is_routed_by_their_own_plan(
    browser: Browser, front_door_stack: FrontDoorStack, axe: Axe, js: bool, width: int
) -> None:
    page = signed_in(browser, front_door_stack, P9.name, "/requests/new", js, width)
    main = send_request(page, 72, "Male", "breathing-worse-than-usual")

    expect(page.get_by_role("heading", level=1)).to_have_text("Follow your care plan")
    expect(main).to_contain_text("This advice comes from your own care plan.")
    expect(main).to_contain_text("COPD rescue pack")
    expect(main).to_contain_text("Rule plan-copd-rescue-pack")
    checked(axe, page, f"own-plan-{width}px", js)
    page.context.close()
