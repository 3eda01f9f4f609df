"""When the service behind a page does not answer, the page says so in its own part,
once, with a retry link, and the rest of the page (who is signed in, sign-out) works:
one table of the pages, each read while its service is a dead port."""

from __future__ import annotations

import httpx
import pytest

from services.portal.tests.staff.conftest import PEOPLE, StaffStack, signed_in

_REFERRALS, _CARE_PLANS = "The referrals service", "The care plans service"
_MDT = "The MDT service"
PAGES = [
    # who, the service down, the page, its status, what it says, whether its retry is the
    # full URL (a page that is all the service's answers 503)
    ("gp", "referrals", "/advice", 200, _REFERRALS, False),
    ("care-coordinator", "care_plans", "/caseload", 200, _CARE_PLANS, False),
    ("gp", "care_plans", "/indicators", 200, _CARE_PLANS, False),
    ("paramedic", "referrals", "/advice-lines?specialty=394811001", 200, _REFERRALS, True),
    ("mdt-member", "mdt", "/mdt/actions", 200, _MDT, False),
    ("mdt-member", "mdt", "/mdt/meetings/m1", 503, _MDT, False),
]


@pytest.mark.parametrize(("who", "service", "path", "status", "says", "full"), PAGES)
async def test_a_page_whose_service_is_down_says_so_once_with_a_retry(
    with_care_plans: StaffStack, browser_client: httpx.AsyncClient, who: str, service: str,
    path: str, status: int, says: str, full: bool,
) -> None:  # fmt: skip
    user = await signed_in(browser_client, with_care_plans, who)

    page = await user.while_down(service, path)

    assert page.status_code == status, page.text
    assert page.text.count(f"{says} is not answering") == 1
    retry = f"{with_care_plans.portal_url}{path}" if full else path
    assert f'<a href="{retry}">Try again</a>' in page.text
    assert f"Signed in as {PEOPLE[who].name}" in page.text, "the rest of the page works"
    assert "Sign out" in page.text
