"""A P9 patient's A&G requests, referrals and MDT outcomes on `/my/plan`, from referrals'
and mdt's events applied through the front door's own consumers (the real database)."""

from __future__ import annotations

import uuid

import pytest

from services.portal.tests.front_door.conftest import Portal

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _section(page: str) -> str:
    start = page.index('id="journey"')
    return page[start : page.index("</ul>", start)]


async def test_a_p9_patient_sees_their_request_move_through_its_stages_and_their_mdt_outcome(
    portal: Portal,
) -> None:
    nhs = await portal.sign_in("P9")
    request = f"ServiceRequest/{uuid.uuid4().hex[:10]}"
    submitted = {"serviceRequest": request, "ubrn": "123456789012", "status": "active"}
    await portal.deliver(
        "carecoord.referral.submitted.v1", nhs, {**submitted, "category": ["advice-and-guidance"]}
    )
    routed = {"serviceRequest": request, "ubrn": "123456789012", "dueBy": "2026-12-09T17:00:00Z"}
    await portal.deliver("carecoord.referral.routed.v1", nhs, routed)
    routed_page = _section((await portal.client.get("/my/plan")).text)
    triaged = {"serviceRequest": request, "outcome": "advice-given"}
    await portal.deliver("carecoord.referral.triaged.v1", nhs, triaged)
    decisions = ["Start a new inhaler <script>alert(1)</script>."]
    mdt = {"case": "Task/case-1", "status": "discussed", "decisions": decisions}
    await portal.deliver("carecoord.mdt.outcome-recorded.v1", nhs, mdt)

    page = _section((await portal.client.get("/my/plan")).text)
    await portal.sign_in("P9")
    someone_else = (await portal.client.get("/my/plan")).text

    assert "Advice and guidance request (reference 123456789012)" in routed_page
    assert "With the service" in routed_page
    assert "2026-12-09" in routed_page
    assert "Specialist advice given to your GP" in page
    assert "(reference 123456789012)" in page  # the UBRN an earlier event gave is kept
    assert "2026-12-09" not in page  # answered: no reply is awaited any more
    assert "Your care team discussed your care at their meeting" in page
    assert "Start a new inhaler &lt;script&gt;" in page
    assert "<script>alert" not in page
    assert "123456789012" not in someone_else
    assert "You have no advice requests, referrals or care team meetings" in someone_else
