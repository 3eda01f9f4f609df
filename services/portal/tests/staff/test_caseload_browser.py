"""The co-ordinator's journey in a real browser, signed in through the real OIDC flow,
each page and state scanned by axe-core (WCAG 2.2 A/AA): the caseload, a patient, their
plan, and an edit made while another organisation edits the same plan (the 412 merge
screen, then saving on top of theirs, nothing lost). The same journey also runs with
JavaScript off (forms post and redirect). Screenshots: `caseload-*`.
"""

from __future__ import annotations

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from services.portal.tests.staff.conftest import (
    CO_ORDINATOR,
    StaffStack,
    checked,
    on_caseload,
    signed_in_page,
)
from services.portal.tests.web.test_browser import browser_after


@pytest.fixture(scope="module")
async def plans(with_care_plans: StaffStack) -> list[tuple[str, str]]:
    """Made before the browser starts (async set-up cannot run in Playwright's loop)."""
    return [await on_caseload(with_care_plans, f"Plan {n}") for n in range(2)]


browser = browser_after("plans")


def _edited_elsewhere(stack: StaffStack, plan_id: str, activity: str) -> None:
    """Another organisation's system adds an activity to the same plan meanwhile."""
    with httpx.Client(base_url=f"{stack.care_plans_url}/fhir") as client:
        system = stack.token("system", None)
        plan = client.get(f"/CarePlan/{plan_id}", headers=system).json()
        plan.pop("text", None)
        extra = {"detail": {"status": "not-started", "description": activity}}
        plan["activity"] = [*plan["activity"], extra]
        version = plan["meta"]["versionId"]
        headers = system | {"If-Match": f'W/"{version}"'}
        assert client.put(f"/CarePlan/{plan_id}", json=plan, headers=headers).status_code == 200


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_a_coordinator_edits_a_plan_another_organisation_edits_and_merges(
    browser: Browser, with_care_plans: StaffStack, axe: Axe, plans: list[tuple[str, str]],
    js: bool,
) -> None:  # fmt: skip
    stack, shots = with_care_plans, "caseload" if js else "caseload-no-js"
    patient_id, plan_id = plans[0 if js else 1]

    page = signed_in_page(browser, stack, CO_ORDINATOR.name, "/caseload", js=js)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your caseload")
    checked(axe, page, f"{shots}-list", js)
    page.locator(f"a[href='/caseload/patients/{patient_id}']").click()
    expect(page.get_by_text("Named co-ordinator", exact=True)).to_be_visible()
    checked(axe, page, f"{shots}-patient", js)
    page.get_by_role("link", name="My care and support plan").click()
    checked(axe, page, f"{shots}-plan", js)
    page.get_by_label("Summary of the plan").fill("Agreed at home visit")
    page.get_by_label("Add an activity (optional)").fill("Pulse oximeter at home")
    _edited_elsewhere(stack, plan_id, "Hospital physio twice weekly")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#conflict")).to_contain_text("Someone else changed this plan first")
    expect(page.get_by_label("Add an activity (optional)")).to_have_value("Pulse oximeter at home")
    checked(axe, page, f"{shots}-merge", js)
    page.get_by_role("button", name="Save my changes on top of theirs").click()
    expect(page.get_by_role("status")).to_contain_text("saved")
    activities = page.locator("#activities")
    for activity in ("Weekly phone call", "Hospital physio twice weekly", "Pulse oximeter"):
        expect(activities).to_contain_text(activity)
    expect(page.locator("#plan-summary")).to_have_text("Agreed at home visit")
    checked(axe, page, f"{shots}-merged", js)
    page.context.close()
