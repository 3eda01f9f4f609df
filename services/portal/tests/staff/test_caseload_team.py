"""Handover and cover from the patient's page, over real HTTP against care plans: the
change is recorded with its reason, the care team shows it, and a handover takes the
patient off this co-ordinator's caseload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from services.portal.tests.staff.conftest import StaffStack, on_caseload, signed_in


async def _change(
    stack: StaffStack, client: httpx.AsyncClient, label: str, fields: dict[str, str]
) -> tuple[str, httpx.Response]:
    """A new patient on the co-ordinator's caseload (`label`), the co-ordinator signed
    in, and their change of co-ordinator (`fields`) sent from the patient's page."""
    patient_id, _ = await on_caseload(stack, label)
    coordinator = await signed_in(client, stack, "care-coordinator")
    page = await coordinator.get(f"/caseload/patients/{patient_id}")
    assert page.status_code == 200, page.text
    form = {"kind": "named-care-coordinator"} | fields
    sent = await coordinator.post(f"/caseload/patients/{patient_id}/coordinator", form)
    return patient_id, sent


async def test_a_handover_names_the_new_coordinator_and_leaves_this_caseload(
    with_care_plans: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    stack = with_care_plans

    patient_id, changed = await _change(stack, browser_client, "Handed over", {
        "name": "Sam Patel", "sds_user_id": "555000000777", "change": "handover",
        "reason": "Moving to the north team",
    })  # fmt: skip

    assert changed.status_code == 303, changed.text
    page = await browser_client.get(f"{stack.portal_url}{changed.headers['location']}")
    assert "The change of co-ordinator was recorded" in page.text
    assert "Sam Patel" in page.text
    caseload = await browser_client.get(f"{stack.portal_url}/caseload")
    assert f"/caseload/patients/{patient_id}" not in caseload.text


async def test_cover_runs_beside_the_named_coordinator_until_its_last_day(
    with_care_plans: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    stack = with_care_plans
    until = (datetime.now(UTC).date() + timedelta(days=14)).isoformat()

    patient_id, changed = await _change(stack, browser_client, "Covered", {
        "name": "Jo Reed", "sds_user_id": "555000000888", "change": "cover",
        "cover_until": until, "reason": "Annual leave",
    })  # fmt: skip

    assert changed.status_code == 303, changed.text
    page = await browser_client.get(f"{stack.portal_url}/caseload/patients/{patient_id}")
    assert f"Jo Reed until {until}" in page.text
    caseload = await browser_client.get(f"{stack.portal_url}/caseload")
    assert f"/caseload/patients/{patient_id}" in caseload.text


async def test_a_change_without_a_reason_or_a_cover_end_is_explained_and_not_sent(
    with_care_plans: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    stack = with_care_plans

    patient_id, refused = await _change(stack, browser_client, "Unchanged", {
        "name": "Al Kay", "sds_user_id": "12", "change": "cover", "cover_until": "", "reason": "",
    })  # fmt: skip

    assert refused.status_code == 400, refused.text
    for field in ("sds_user_id", "cover_until", "reason"):
        assert f'href="#{field}"' in refused.text
    assert 'value="Al Kay"' in refused.text
    page = await browser_client.get(f"{stack.portal_url}/caseload/patients/{patient_id}")
    assert "Al Kay" not in page.text
