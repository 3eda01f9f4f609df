"""The paramedic's journey in a real browser on a phone-sized viewport, signed in through
the real OIDC flow, each page scanned by axe-core (WCAG 2.2 A/AA): find who to ring for
a specialty in a locality, record the call and its conveyance outcome, see the patient
summary. Screenshots: `paramedic-*`.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from services.portal.tests.staff.conftest import (
    GP,
    PARAMEDIC,
    StaffStack,
    advice_line,
    register,
    signed_in_page,
)
from services.portal.tests.web.test_browser import assert_accessible, browser_after

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
async def patient(seeded: StaffStack) -> str:
    """Made before the browser starts (async set-up cannot run in Playwright's loop)."""
    await advice_line(seeded, "dudley-north", "Dr Ada Okafor", "Dr Ben Price")
    return await register(seeded, str(GP.organisation))


browser = browser_after("patient")


def test_a_paramedic_finds_a_line_and_records_a_call_on_a_phone(
    browser: Browser, seeded: StaffStack, axe: Axe, patient: str
) -> None:
    page = signed_in_page(browser, seeded, PARAMEDIC.name, "/advice-lines", viewport=PHONE)
    assert_accessible(axe, page, "paramedic-lookup")
    page.get_by_label("Specialty").select_option(label="Geriatric medicine")
    page.get_by_label("Locality").select_option("dudley-north")
    page.get_by_role("button", name="Find who to ring").click()
    ringing = page.locator("ol li")
    expect(ringing.first).to_contain_text("Dr Ada Okafor")
    expect(ringing.nth(1)).to_contain_text("Dr Ben Price")
    assert_accessible(axe, page, "paramedic-lines")
    page.get_by_role("link", name="Record a call to Elderly care advice line dudley-north").click()
    page.get_by_label("Patient's NHS number").fill(patient)
    page.get_by_label("Not conveyed (treated at home)").check()
    page.get_by_label("Advice given").fill("Antibiotics started; GP to review tomorrow")
    assert_accessible(axe, page, "paramedic-call-form")
    page.get_by_role("button", name="Record the call").click()
    expect(page.get_by_role("status")).to_contain_text("Call recorded: Not conveyed")
    assert patient not in page.url
    assert_accessible(axe, page, "paramedic-call-summary")
    page.context.close()
