"""The care co-ordinator's caseload and shared plan over real HTTP, against the real
care plans service: the list, a plan, an edit, and a concurrent edit (412) merged."""

from __future__ import annotations

import httpx

from services.portal.tests.staff.conftest import (
    OTHER_PRACTICE,
    PortalUser,
    StaffStack,
    on_caseload,
    signed_in,
    unique,
)


async def test_the_caseload_lists_the_coordinators_patients_overdue_first(
    with_care_plans: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    stack = with_care_plans
    patient_id, _ = await on_caseload(stack, unique("Breathing plan"))
    coordinator = await signed_in(browser_client, stack, "care-coordinator")

    page = await coordinator.get("/caseload")

    assert page.status_code == 200, page.text
    assert f'href="/caseload/patients/{patient_id}"' in page.text
    assert "Long-term condition" in page.text
    assert "Overdue" in page.text
    assert "1 March 2026" in page.text  # reviewed 1 March 2025 (plan start) + 12 months


async def test_the_unassigned_worklist_lists_the_practices_patients_with_no_coordinator(
    with_care_plans: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    stack = with_care_plans
    alone, _ = await on_caseload(stack, "Nobody named", coordinator=None)
    named, _ = await on_caseload(stack, "Named")
    coordinator = await signed_in(browser_client, stack, "care-coordinator")

    worklist = await coordinator.get("/caseload/unassigned")
    caseload = await coordinator.get("/caseload")

    assert worklist.status_code == 200, worklist.text
    assert f'href="/caseload/patients/{alone}"' in worklist.text
    assert f'href="/caseload/patients/{named}"' not in worklist.text
    assert f'href="/caseload/patients/{alone}"' not in caseload.text


async def test_a_coordinator_saves_a_change_and_sees_it_with_its_contribution(
    with_care_plans: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    stack = with_care_plans
    coordinator, path, plan_id = await _plan_page(stack, browser_client, "Old summary")
    form = await coordinator.get(path)
    assert form.status_code == 200, form.text
    assert "Weekly phone call" in form.text

    saved = await coordinator.post(path, {
        "version": "1", "description": "New summary", "reviewed_on": "2026-11-02",
        "new_activity": "Inhaler check",
    })  # fmt: skip

    assert saved.status_code == 303, saved.text
    after = await coordinator.get(saved.headers["location"])
    assert "New summary" in after.text
    assert "Inhaler check" in after.text
    assert "Weekly phone call" in after.text
    assert "2026-11-02" in after.text
    assert "555000000003" in after.text  # the co-ordinator's contribution, with organisation
    stored = await _plan(stack, plan_id)
    assert stored["meta"]["versionId"] == "2"


async def test_a_concurrent_edit_shows_both_versions_and_merges_without_losing_either(
    with_care_plans: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    stack = with_care_plans
    coordinator, path, plan_id = await _plan_page(stack, browser_client, "Shared summary")
    await coordinator.get(path)
    await _edit_elsewhere(stack, plan_id, "Hospital physio twice weekly")
    mine = {
        "version": "1", "description": "Summary after review", "reviewed_on": "",
        "new_activity": "Pulse oximeter",
    }  # fmt: skip

    conflict = await coordinator.post(path, mine)

    assert conflict.status_code == 409, conflict.text
    assert "Someone else changed this plan first" in conflict.text
    assert "Hospital physio twice weekly" in conflict.text  # theirs
    assert "Pulse oximeter" in conflict.text  # mine, still in the form
    assert 'name="version" value="2"' in conflict.text
    assert (await _plan(stack, plan_id))["meta"]["versionId"] == "2"
    merged = await coordinator.post(path, mine | {"version": "2"})
    assert merged.status_code == 303, merged.text
    stored = await _plan(stack, plan_id)
    activities = [a["detail"]["description"] for a in stored["activity"]]
    assert activities == ["Weekly phone call", "Hospital physio twice weekly", "Pulse oximeter"]
    assert stored["description"] == "Summary after review"


async def test_another_practices_patient_looks_like_one_that_does_not_exist(
    with_care_plans: StaffStack, browser_client: httpx.AsyncClient
) -> None:
    stack = with_care_plans
    theirs, plan = await on_caseload(
        stack, "Elsewhere", coordinator="555000000999", practice=OTHER_PRACTICE
    )
    coordinator = await signed_in(browser_client, stack, "care-coordinator")

    hidden = await coordinator.get(f"/caseload/patients/{theirs}/plans/{plan}")
    missing = await coordinator.get("/caseload/patients/no-such-patient")

    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert hidden.text.replace(theirs, "").replace(plan, "") == missing.text.replace(
        "no-such-patient", ""
    )


async def _plan_page(
    stack: StaffStack, client: httpx.AsyncClient, summary: str
) -> tuple[PortalUser, str, str]:
    """A new patient on the co-ordinator's caseload with a plan (`summary`), and the
    co-ordinator signed in: (them, the path of the plan's page, the plan's id)."""
    patient_id, plan_id = await on_caseload(stack, summary)
    coordinator = await signed_in(client, stack, "care-coordinator")
    return coordinator, f"/caseload/patients/{patient_id}/plans/{plan_id}", plan_id


async def _plan(stack: StaffStack, plan_id: str) -> dict:  # type: ignore[type-arg]
    async with httpx.AsyncClient(base_url=f"{stack.care_plans_url}/fhir") as client:
        found = await client.get(f"/CarePlan/{plan_id}", headers=stack.token("system", None))
    assert found.status_code == 200, found.text
    return dict(found.json())


async def _edit_elsewhere(stack: StaffStack, plan_id: str, activity: str) -> None:
    """A hospital physiotherapist adds an activity (another organisation, same plan)."""
    plan = await _plan(stack, plan_id)
    plan.pop("text", None)
    plan["activity"] = [
        *plan["activity"],
        {"detail": {"status": "not-started", "description": activity}},
    ]
    headers = stack.token("system", None) | {"If-Match": 'W/"1"'}
    async with httpx.AsyncClient(base_url=f"{stack.care_plans_url}/fhir") as client:
        saved = await client.put(f"/CarePlan/{plan_id}", json=plan, headers=headers)
    assert saved.status_code == 200, saved.text
