"""`$caseload`: patients with a co-ordinator in force, by co-ordinator or area, only those
the caller may see, by GET and POST alike."""

from __future__ import annotations

from services.care_plans.tests.builders import PRACTICE_A, PRACTICE_B, assignment
from services.care_plans.tests.conftest import CarePlans, entries


async def _ids(care_plans: CarePlans, path: str, **who: object) -> set[str]:
    response = await care_plans.client.get(path, headers=care_plans.auth(**who))
    return {resource["id"] for resource in entries(response)}


async def test_a_caseload_by_coordinator_and_by_area(care_plans: CarePlans) -> None:
    assigned_id, _ = await care_plans.registered(practice=PRACTICE_A, locality="north")
    unassigned_id, _ = await care_plans.registered(practice=PRACTICE_A, locality="north")
    await care_plans.assign(assigned_id, assignment("700001"))
    assert await _ids(care_plans, "/fhir/Patient/$caseload?coordinator=700001") == {assigned_id}
    in_north = await _ids(care_plans, "/fhir/Patient/$caseload?locality=north")
    assert assigned_id in in_north
    assert unassigned_id not in in_north
    other = f"/fhir/Patient/$caseload?coordinator=700001&practice={PRACTICE_A}"
    assert await _ids(care_plans, other, organisation=PRACTICE_B) == set()


async def test_get_and_post_answer_alike(care_plans: CarePlans) -> None:
    patient_id, _ = await care_plans.registered(locality="south")
    await care_plans.assign(patient_id, assignment("700002"))
    by_get, by_post = await care_plans.by_get_and_post(
        "/fhir/Patient/$caseload",
        [("coordinator", "valueString", "700002"), ("locality", "valueString", "south")],
    )
    assert [r["id"] for r in entries(by_get)] == [patient_id]
    assert by_get.json() == by_post.json()


async def test_unknown_and_empty_parameters_are_refused(care_plans: CarePlans) -> None:
    named = "Parameters.parameter.where(name='{}')"
    cases = (
        ("colour=red", "invalid", named.format("colour")),
        ("coordinator=1&coordinator=2", "invalid", named.format("coordinator")),
        (f"locality={'x' * 65}", "invalid", named.format("locality")),
        ("practice=", "value", named.format("practice")),  # R4: no empty strings
    )
    for query, code, expression in cases:
        response = await care_plans.client.get(
            f"/fhir/Patient/$caseload?{query}", headers=care_plans.auth()
        )
        assert response.status_code == 400, query
        [issue] = response.json()["issue"]
        assert (issue["code"], issue["expression"]) == (code, [expression]), query
