"""`$unassigned-coordinator`: the G2 worklist of long-term-condition patients with no
named co-ordinator, only those the caller may see, by GET and POST alike."""

from __future__ import annotations

from services.care_plans.tests.builders import PRACTICE_A, PRACTICE_B, assignment
from services.care_plans.tests.conftest import CarePlans, entries


async def test_the_worklist_lists_ltc_patients_without_a_coordinator(
    care_plans: CarePlans,
) -> None:
    assigned_id, _ = await care_plans.registered(practice=PRACTICE_A)
    unassigned_id, _ = await care_plans.registered(practice=PRACTICE_A)
    not_ltc_id, _ = await care_plans.registered(practice=PRACTICE_A, conditions=())
    await care_plans.assign(assigned_id, assignment("710001"))
    url = f"/fhir/Patient/$unassigned-coordinator?practice={PRACTICE_A}"
    worklist = {
        r["id"] for r in entries(await care_plans.client.get(url, headers=care_plans.auth()))
    }
    assert unassigned_id in worklist
    assert assigned_id not in worklist
    assert not_ltc_id not in worklist
    other = await care_plans.client.get(url, headers=care_plans.auth(organisation=PRACTICE_B))
    assert entries(other) == []


async def test_get_and_post_answer_alike(care_plans: CarePlans) -> None:
    patient_id, _ = await care_plans.registered(locality="east")
    by_get, by_post = await care_plans.by_get_and_post(
        "/fhir/Patient/$unassigned-coordinator", [("locality", "valueString", "east")]
    )
    assert [r["id"] for r in entries(by_get)] == [patient_id]
    assert by_get.json() == by_post.json()
