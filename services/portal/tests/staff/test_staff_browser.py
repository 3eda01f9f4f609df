"""The staff journeys in a real browser (Debian's Chromium through Playwright), signed
in through the real OIDC flow, each page scanned by axe-core at WCAG 2.2 A/AA.

Screenshots go to `services/portal/tests/web/screenshots/` (git-ignored) with `staff-`
names. The GP journey is run once with JavaScript on and once with it off.
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from services.portal.tests.staff.conftest import (
    GP,
    OTHER_PRACTICE,
    TRIAGE,
    StaffStack,
    ask,
    checked,
    register,
    signed_in_page,
)
from services.portal.tests.web.test_browser import assert_accessible, browser_after


@pytest.fixture(scope="module")
async def journey_data(seeded: StaffStack) -> dict[str, Any]:
    """Patients of the GP's practice and another practice's request, made before the
    browser starts (async set-up cannot run inside Playwright's sync event loop)."""
    patients = [await register(seeded, GP.organisation) for _ in range(3)]
    others = await ask(seeded, OTHER_PRACTICE, seeded.cardiology, "Another practice's")
    return {"patients": patients, "others": others}


@pytest.fixture(scope="module")
def registered(journey_data: dict[str, Any]) -> list[str]:
    return list(journey_data["patients"])


@pytest.fixture(scope="module")
def others_request(journey_data: dict[str, Any]) -> str:
    return str(journey_data["others"])


browser = browser_after("journey_data")


def _gp_asks(
    page: Page, axe: Axe, nhs_number: str, question: str, shots: str, js: bool = True
) -> str:
    checked(axe, page, f"{shots}-new-request", js)
    page.get_by_label("Cardiology A&G").check()
    page.get_by_label("Patient's NHS number").fill(nhs_number)
    page.get_by_label("Your question for the specialist").fill(question)
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Request a.")
    assert nhs_number not in page.url
    checked(axe, page, f"{shots}-request-sent", js)
    return page.url


def _clinician_advises(browser: Browser, stack: StaffStack, axe: Axe, request_url: str) -> None:
    page = signed_in_page(browser, stack, TRIAGE.name, "/triage")
    assert_accessible(axe, page, "staff-triage-worklist")
    request_id = request_url.rsplit("/", 1)[1]
    page.locator(f"a[href='/triage/requests/{request_id}']").click()
    assert_accessible(axe, page, "staff-triage-request")
    page.get_by_label("Give advice (return to referrer)").check()
    page.get_by_label("Advice, or what you need from the referrer").fill(
        "Start a beta blocker; refer if symptoms persist."
    )
    page.get_by_role("button", name="Send decision").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    assert_accessible(axe, page, "staff-triage-advised")
    page.context.close()


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_gp_asks_a_clinician_advises_and_the_gp_sees_the_advice(
    browser: Browser, seeded: StaffStack, axe: Axe, js: bool, registered: list[str]
) -> None:
    shots = "staff-gp" if js else "staff-gp-no-js"
    gp = signed_in_page(browser, seeded, GP.name, "/advice/new", js=js)
    question = "Palpitations at rest: next step?"
    request_url = _gp_asks(gp, axe, registered.pop(), question, shots, js)
    _clinician_advises(browser, seeded, axe, request_url)
    gp.goto(request_url)
    expect(gp.locator("#triage-notes")).to_contain_text("Start a beta blocker")
    expect(gp.locator("#request-state")).to_have_text("Advice given")
    checked(axe, gp, f"{shots}-sees-advice", js)
    gp.context.close()


def test_two_clinicians_race_and_the_loser_is_told_keeping_their_advice(
    browser: Browser, seeded: StaffStack, axe: Axe, registered: list[str]
) -> None:
    gp = signed_in_page(browser, seeded, GP.name, "/advice/new")
    request_url = _gp_asks(gp, axe, registered.pop(), "Race: who triages first?", "staff-race")
    gp.context.close()
    path = "/triage/requests/" + request_url.rsplit("/", 1)[1]
    first = signed_in_page(browser, seeded, TRIAGE.name, path)
    second = signed_in_page(browser, seeded, TRIAGE.name, path)
    first.get_by_label("Accept").check()
    first.get_by_role("button", name="Send decision").click()
    expect(first.get_by_role("status")).to_contain_text("Saved")
    second.get_by_label("Give advice (return to referrer)").check()
    second.get_by_label("Advice, or what you need from the referrer").fill("Words I typed")
    second.get_by_role("button", name="Send decision").click()
    expect(second.locator("#conflict")).to_contain_text("Someone else triaged this request first")
    expect(second.get_by_label("Advice, or what you need from the referrer")).to_have_value(
        "Words I typed"
    )
    assert_accessible(axe, second, "staff-triage-conflict")
    first.context.close()
    second.context.close()


def test_signed_out_goes_to_sign_in_and_a_forged_csrf_token_is_refused(
    browser: Browser, seeded: StaffStack, axe: Axe
) -> None:
    page = signed_in_page(browser, seeded, GP.name, "/advice/new")
    page.locator("form[method=post][action='/advice/new'] input[name=csrf_token]").evaluate(
        "field => { field.value = 'forged' }"
    )
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request was refused")
    page.context.close()
    anonymous = browser.new_context().new_page()
    anonymous.goto(f"{seeded.portal_url}/triage")
    anonymous.wait_for_url(f"{seeded.provider_url}/authorize**")
    anonymous.context.close()


def test_a_gp_opening_another_practices_request_sees_page_not_found(
    browser: Browser, seeded: StaffStack, axe: Axe, others_request: str
) -> None:
    page = signed_in_page(browser, seeded, GP.name, "/advice")
    page.goto(f"{seeded.portal_url}/advice/{others_request}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(axe, page, "staff-gp-other-practice")
    page.context.close()
