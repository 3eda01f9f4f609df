"""Shared care plans: one active comprehensive plan, optimistic locking between
organisations, a Provenance per contribution, history, end-of-life preferences in
events, and who may see a plan."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from services.care_plans.tests.builders import (
    PRACTICE_A,
    PRACTICE_B,
    TRUST,
    assignment,
    care_plan,
    end_of_life,
)
from services.care_plans.tests.conftest import CarePlans, entries, outcome_codes


async def _put(care_plans: CarePlans, plan: dict[str, Any], version: str | None, **who: Any) -> Any:
    headers = care_plans.auth(**who)
    if version is not None:
        headers["If-Match"] = f'W/"{version}"'
    return await care_plans.client.put(
        f"/fhir/CarePlan/{plan['id']}", content=orjson.dumps(plan), headers=headers
    )


async def test_a_second_active_comprehensive_plan_is_refused(care_plans: CarePlans) -> None:
    _, nhs = await care_plans.registered()
    await care_plans.post(care_plan(nhs))
    second = await care_plans.client.post(
        "/fhir/CarePlan", content=orjson.dumps(care_plan(nhs)), headers=care_plans.auth()
    )
    assert second.status_code == 409
    assert outcome_codes(second) == ["conflict"]
    beside = await care_plans.client.post(
        "/fhir/CarePlan",
        content=orjson.dumps(care_plan(nhs, comprehensive=False)),
        headers=care_plans.auth(),
    )
    assert beside.status_code == 201


async def test_concurrent_second_plans_give_one_winner(care_plans: CarePlans) -> None:
    _, nhs = await care_plans.registered()
    body = orjson.dumps(care_plan(nhs))
    responses = await asyncio.gather(
        *(
            care_plans.client.post("/fhir/CarePlan", content=body, headers=care_plans.auth())
            for _ in range(5)
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]


async def test_two_organisations_edit_at_once_and_no_change_is_lost(care_plans: CarePlans) -> None:
    patient_id, nhs = await care_plans.registered()
    await care_plans.assign(patient_id, assignment("800001"))
    plan = await care_plans.post(care_plan(nhs))
    gp_edit = plan | {"description": "Walk to the shop twice a week"}
    trust_edit = dict(plan)
    trust_edit["note"] = [{"text": "Seen in respiratory clinic"}]
    trust = {"role": "care-coordinator", "organisation": TRUST, "user": "800001"}
    first, second = await asyncio.gather(
        _put(care_plans, gp_edit, "1"), _put(care_plans, trust_edit, "1", **trust)
    )
    assert sorted([first.status_code, second.status_code]) == [200, 412]
    loser = trust if second.status_code == 412 else {}
    current = (
        await care_plans.client.get(
            f"/fhir/CarePlan/{plan['id']}", headers=care_plans.auth(**loser)
        )
    ).json()
    redo = current | (
        {"note": trust_edit["note"]} if loser else {"description": gp_edit["description"]}
    )
    retried = await _put(care_plans, redo, current["meta"]["versionId"], **loser)
    assert retried.status_code == 200, retried.text
    final = retried.json()
    assert final["description"] == "Walk to the shop twice a week"
    assert final["note"][0]["text"] == "Seen in respiratory clinic"
    history = await care_plans.client.get(
        f"/fhir/CarePlan/{plan['id']}/_history", headers=care_plans.auth()
    )
    assert history.status_code == 200
    assert history.json()["total"] == 3
    provenance = await care_plans.client.get(
        f"/fhir/Provenance?_count=50&target=CarePlan/{plan['id']}", headers=care_plans.auth()
    )
    organisations = {
        p["agent"][0].get("onBehalfOf", {}).get("identifier", {}).get("value")
        for p in entries(provenance)
    }
    assert {PRACTICE_A, TRUST} <= organisations


async def test_updates_without_if_match_need_a_precondition(care_plans: CarePlans) -> None:
    _, nhs = await care_plans.registered()
    plan = await care_plans.post(care_plan(nhs))
    assert (await _put(care_plans, plan, None)).status_code == 428
    patch = await care_plans.client.patch(
        f"/fhir/CarePlan/{plan['id']}",
        content=b'[{"op": "replace", "path": "/title", "value": "x"}]',
        headers=care_plans.auth() | {"Content-Type": "application/json-patch+json"},
    )
    assert patch.status_code == 428
    patched = await care_plans.client.patch(
        f"/fhir/CarePlan/{plan['id']}",
        content=b'[{"op": "replace", "path": "/title", "value": "Living well"}]',
        headers=care_plans.auth()
        | {"Content-Type": "application/json-patch+json", "If-Match": 'W/"1"'},
    )
    assert patched.status_code == 200
    assert patched.json()["title"] == "Living well"
    assert (await _put(care_plans, plan, "1")).status_code == 412


async def test_end_of_life_preferences_travel_in_the_revised_event(care_plans: CarePlans) -> None:
    _, nhs = await care_plans.registered()
    body = care_plan(nhs)
    body["extension"].append(end_of_life())
    plan = await care_plans.post(body)
    [event] = await care_plans.events("carecoord.careplan.revised.v1", f"CarePlan/{plan['id']}")
    assert event["endOfLife"] == {
        "preferredPlaceOfCare": "home",
        "preferredPlaceOfDeath": "hospice",
        "resuscitation": {
            "decision": "DNACPR",
            "decidedBy": "Dr Lee",
            "decidedOn": "2026-01-02T09:00:00Z",
        },
        "keyContacts": ["Daughter, 07700 900000"],
    }
    assert event["contributor"] == {"organisation": PRACTICE_A, "user": "dev-gp"}
    assert event["nhsNumber"] == nhs


async def test_a_patient_sees_only_their_own_plan(care_plans: CarePlans) -> None:
    _, mine = await care_plans.registered()
    _, theirs = await care_plans.registered()
    my_plan = await care_plans.post(care_plan(mine))
    their_plan = await care_plans.post(care_plan(theirs))
    me = {"role": "patient", "organisation": None, "nhs_number": mine}
    headers = care_plans.auth(**me)
    assert await care_plans.status_of(f"/fhir/CarePlan/{my_plan['id']}", headers) == 200
    assert await care_plans.status_of(f"/fhir/CarePlan/{their_plan['id']}", headers) == 404
    found = await care_plans.client.get("/fhir/CarePlan", headers=headers)
    assert {plan["id"] for plan in entries(found)} == {my_plan["id"]}
    write = await _put(care_plans, my_plan, "1", **me)
    assert write.status_code == 403


async def test_a_gp_sees_their_practice_unless_on_the_care_team(care_plans: CarePlans) -> None:
    patient_id, nhs = await care_plans.registered(practice=PRACTICE_A)
    plan = await care_plans.post(care_plan(nhs))
    outsider = care_plans.auth(organisation=PRACTICE_B, user="900001")
    url = f"/fhir/CarePlan/{plan['id']}"
    assert (await care_plans.client.get(url, headers=outsider)).status_code == 404
    await care_plans.assign(patient_id, assignment("900001", kind="lead-gp"))
    assert (await care_plans.client.get(url, headers=outsider)).status_code == 200


async def test_bad_care_plans_are_refused(care_plans: CarePlans) -> None:
    _, nhs = await care_plans.registered()
    no_patient = care_plan(nhs)
    no_patient["subject"] = {"reference": "Patient/abc"}
    bad_status = care_plan(nhs) | {"status": "sleeping"}
    half_recorded = care_plan(nhs)
    half_recorded["extension"][0]["extension"] = half_recorded["extension"][0]["extension"][:1]
    for body, status in ((no_patient, 422), (bad_status, 400), (half_recorded, 400)):
        response = await care_plans.client.post(
            "/fhir/CarePlan", content=orjson.dumps(body), headers=care_plans.auth()
        )
        assert response.status_code == status, response.text
    forged = await care_plans.client.post(
        "/fhir/Provenance",
        content=orjson.dumps({"resourceType": "Provenance"}),
        headers=care_plans.auth(),
    )
    assert forged.status_code == 405


async def test_goals_in_the_patients_words_record_who_wrote_them(care_plans: CarePlans) -> None:
    _, nhs = await care_plans.registered()
    goal = await care_plans.post(
        {
            "resourceType": "Goal",
            "lifecycleStatus": "active",
            "description": {"text": "Walk my dog to the park without stopping"},
            "subject": {
                "identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}
            },
            "expressedBy": {"display": "the patient"},
            "target": [{"measure": {"text": "minutes walked"}, "detailQuantity": {"value": 20}}],
        },
        role="care-coordinator",
        organisation=PRACTICE_A,
    )
    found = await care_plans.client.get(
        f"/fhir/Provenance?target=Goal/{goal['id']}", headers=care_plans.auth()
    )
    [provenance] = entries(found)
    agent = provenance["agent"][0]
    assert agent["who"]["identifier"]["value"] == "dev-care-coordinator"
    assert agent["onBehalfOf"]["identifier"]["value"] == PRACTICE_A


async def test_another_practice_can_neither_find_nor_write_a_plan(care_plans: CarePlans) -> None:
    _, nhs = await care_plans.registered()
    await care_plans.post(care_plan(nhs))
    outsider = care_plans.auth(organisation=PRACTICE_B)
    search = await care_plans.client.get(
        f"/fhir/CarePlan?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}",
        headers=outsider,
    )
    assert entries(search) == []
    write = await care_plans.client.post(
        "/fhir/CarePlan",
        content=orjson.dumps(care_plan(nhs, comprehensive=False)),
        headers=outsider,
    )
    assert write.status_code == 403
