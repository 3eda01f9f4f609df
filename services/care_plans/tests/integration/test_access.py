"""Issue 13 findings 1, 2 and 3 in this service: every version judged by its own
patient, records tied to a patient by `Patient/<id>` as by NHS number, and the
configuration (Measures) read-only over REST whoever asks. Each refusal is asserted
beside the right user's success, so none can pass vacuously."""

from __future__ import annotations

import orjson

from services.care_plans.tests.builders import (
    ASTHMA,
    NHS,
    PRACTICE_A,
    PRACTICE_B,
    care_plan,
    condition,
)
from services.care_plans.tests.conftest import CarePlans, entries

COHORT_CHANGED = "carecoord.patient.cohort-changed.v1"


async def test_finding_1_a_moved_condition_keeps_its_first_patient_private(
    care_plans: CarePlans,
) -> None:
    first_id, first = await care_plans.registered(practice=PRACTICE_A, conditions=())
    _, second = await care_plans.registered(practice=PRACTICE_B, conditions=())
    created = await care_plans.post(condition(first, ASTHMA), role="system")
    moved = created | {"subject": {"identifier": {"system": NHS, "value": second}}}
    url = f"/fhir/Condition/{created['id']}"
    response = await care_plans.client.put(
        url, content=orjson.dumps(moved), headers=care_plans.auth("system")
    )
    assert response.status_code == 200, response.text
    first_gp, second_gp = care_plans.auth(), care_plans.auth(organisation=PRACTICE_B)
    # the second patient's GP reads the current version, never the first patient's one
    assert await care_plans.status_of(url, second_gp) == 200
    assert await care_plans.status_of(f"{url}/_history/2", second_gp) == 200
    assert await care_plans.status_of(f"{url}/_history/1", second_gp) == 404
    history = await care_plans.client.get(f"{url}/_history", headers=second_gp)
    assert [e["resource"]["meta"]["versionId"] for e in history.json()["entry"]] == ["2"]
    # the first patient's GP still reads the version about their patient, and no more
    assert await care_plans.status_of(f"{url}/_history/1", first_gp) == 200
    assert await care_plans.status_of(url, first_gp) == 404
    # the first patient left the cohort the Condition had put them in
    changes = await care_plans.events(COHORT_CHANGED, f"Patient/{first_id}")
    assert [(c["entered"], c["left"]) for c in changes] == [
        (["long-term-condition"], []),
        ([], ["long-term-condition"]),
    ]


async def test_finding_2_a_condition_naming_a_stored_patient_is_theirs(
    care_plans: CarePlans,
) -> None:
    patient_id, nhs = await care_plans.registered(practice=PRACTICE_A, conditions=())
    body = condition(nhs, ASTHMA) | {"subject": {"reference": f"Patient/{patient_id}"}}
    other_gp = care_plans.auth(organisation=PRACTICE_B)
    refused = await care_plans.client.post(
        "/fhir/Condition", content=orjson.dumps(body), headers=other_gp
    )
    assert refused.status_code == 403, refused.text
    created = await care_plans.post(body)
    url = f"/fhir/Condition/{created['id']}"
    assert await care_plans.status_of(url, care_plans.auth()) == 200
    assert await care_plans.status_of(url, other_gp) == 404
    by_nhs = f"/fhir/Condition?patient:identifier={NHS}|{nhs}"
    found = await care_plans.client.get(by_nhs, headers=care_plans.auth())
    assert [c["id"] for c in entries(found)] == [created["id"]]
    assert entries(await care_plans.client.get(by_nhs, headers=other_gp)) == []
    [change] = await care_plans.events(COHORT_CHANGED, f"Patient/{patient_id}")
    assert change["entered"] == ["long-term-condition"]


async def test_finding_2_plans_accept_patient_references_and_refuse_unknown_ones(
    care_plans: CarePlans,
) -> None:
    patient_id, nhs = await care_plans.registered()
    by_reference = care_plan(nhs) | {"subject": {"reference": f"Patient/{patient_id}"}}
    plan = await care_plans.post(by_reference)
    [event] = await care_plans.events("carecoord.careplan.revised.v1", f"CarePlan/{plan['id']}")
    assert event["nhsNumber"] == nhs
    unknown = care_plan(nhs, comprehensive=False) | {"subject": {"reference": "Patient/nobody"}}
    response = await care_plans.client.post(
        "/fhir/CarePlan", content=orjson.dumps(unknown), headers=care_plans.auth()
    )
    assert response.status_code == 422, response.text
    assert response.json()["issue"][0]["expression"] == ["CarePlan.subject"]


async def test_finding_3_measures_are_read_only_over_rest(care_plans: CarePlans) -> None:
    gp = care_plans.auth()
    before = await care_plans.client.get("/fhir/Measure/G1", headers=gp)
    assert before.status_code == 200
    changed = orjson.dumps(before.json() | {"title": "Anything will do"})
    for who in ({}, {"role": "system"}, {"role": "admin"}):
        headers = care_plans.auth(**who)
        attempts = (
            care_plans.client.post("/fhir/Measure", content=changed, headers=headers),
            care_plans.client.put("/fhir/Measure/G1", content=changed, headers=headers),
            care_plans.client.put("/fhir/Measure/G9", content=changed, headers=headers),
            care_plans.client.delete("/fhir/Measure/G1", headers=headers),
        )
        for attempt in attempts:
            response = await attempt
            assert response.status_code == 405, (who, response.text)
            assert response.headers["Allow"]
    after = await care_plans.client.get("/fhir/Measure/G1", headers=gp)
    assert after.json() == before.json()
