"""The role-aware home page: each staff role sees exactly the screens built for it, each
a link, and each link opens for that role (signed in through the real OIDC flow, the
real referrals, care plans and mdt services behind the portal)."""

from __future__ import annotations

import re

import httpx
import pytest

from services.portal.tests.staff.conftest import StaffStack, signed_in
from services.portal.tests.staff.mdt_fixtures import MdtWorld

pytestmark = pytest.mark.usefixtures("with_care_plans", "with_mdt")


@pytest.fixture(scope="module")
def everything(with_care_plans: StaffStack, with_mdt: MdtWorld) -> StaffStack:
    """The portal pointed at referrals, care plans and mdt, with its own context (the
    duty pages read its settings)."""
    with_care_plans.mdt_url = with_mdt.mdt_url
    with_care_plans.point_at()
    return with_care_plans


_LINK = re.compile(r'<a class="nhsuk-card__link" href="([^"]+)"')

LINKS = {
    "gp": [
        "/advice/new",
        "/advice",
        "/actions",
        "/duty/callbacks",
        "/duty/requests",
        "/indicators",
    ],
    "triage-clinician": ["/triage"],
    "care-coordinator": [
        "/caseload",
        "/caseload/unassigned",
        "/duty/callbacks",
        "/duty/requests",
        "/indicators",
    ],
    "mdt-member": ["/mdt", "/mdt/actions"],
    "paramedic": ["/advice-lines", "/advice-lines/calls/new"],
    "admin": ["/indicators"],
}


@pytest.mark.parametrize("role", sorted(LINKS))
async def test_each_roles_home_links_exactly_its_screens_and_each_opens(
    everything: StaffStack, browser_client: httpx.AsyncClient, role: str
) -> None:
    user = await signed_in(browser_client, everything, role)

    home = await user.get("/")

    assert home.status_code == 200
    assert _LINK.findall(home.text) == LINKS[role]
    for href in LINKS[role]:
        opened = await user.get(href)
        assert opened.status_code == 200, (href, opened.text[:300])
        assert "is not answering" not in opened.text, href  # every service behind it answered


# Screens a role may open without a home link of its own: GPs and co-ordinators can sit
# on an MDT, and a GP can be a patient's named co-ordinator.
ALSO_OPEN = {
    "gp": {"/mdt", "/mdt/actions", "/caseload", "/caseload/unassigned"},
    "care-coordinator": {"/mdt", "/mdt/actions"},
}


@pytest.mark.parametrize("role", sorted(LINKS))
async def test_every_other_roles_screen_is_refused_with_403(
    everything: StaffStack, browser_client: httpx.AsyncClient, role: str
) -> None:
    user = await signed_in(browser_client, everything, role)
    others = {href for hrefs in LINKS.values() for href in hrefs} - set(LINKS[role])
    refused = {}
    for href in sorted(others - ALSO_OPEN.get(role, set())):
        page = await user.get(href)
        refused[href] = page.status_code
        assert "You cannot use this page" in page.text, href
    assert refused == dict.fromkeys(refused, 403)
    assert refused  # every role is refused something (a triage clinician the GP's pages)
