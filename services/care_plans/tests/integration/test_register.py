"""The patient register: cohorts follow the Conditions on the register, changes are
announced, and the risk score is shown with its inputs."""

from __future__ import annotations

import orjson

from services.care_plans.tests.conftest import (
    ASTHMA,
    DIABETES,
    PRACTICE_B,
    CarePlans,
    condition,
    new_nhs_number,
    patient,
)

FRAILTY = "925831000000107"


async def test_cohorts_follow_conditions_and_changes_are_announced(care_plans: CarePlans) -> None:
    nhs = new_nhs_number()
    created = await care_plans.post(patient(nhs, birthDate="1940-05-01"), role="system")
    subject = f"Patient/{created['id']}"
    assert await care_plans.events("carecoord.patient.cohort-changed.v1", subject) == []
    await care_plans.post(condition(nhs, DIABETES), role="system")
    await care_plans.post(condition(nhs, ASTHMA), role="system")  # no change of cohort
    await care_plans.post(condition(nhs, FRAILTY), role="system")
    changes = await care_plans.events("carecoord.patient.cohort-changed.v1", subject)
    assert [(c["entered"], c["left"]) for c in changes] == [
        (["long-term-condition"], []),
        (["frailty"], []),
    ]
    assert changes[-1]["cohorts"] == ["long-term-condition", "frailty"]
    assert changes[-1]["nhsNumber"] == nhs

    response = await care_plans.client.get(
        f"/fhir/Patient/{created['id']}/$stratification", headers=care_plans.auth()
    )
    assert response.status_code == 200, response.text
    parameters = {p["name"]: p for p in response.json()["parameter"] if p["name"] != "cohort"}
    inputs = {
        (p["name"], str(p.get("valueInteger", p.get("valueCoding", {}).get("code"))))
        for p in parameters["input"]["part"]
    }
    assert {("condition", DIABETES), ("condition", ASTHMA), ("condition", FRAILTY)} <= inputs
    age = next(int(v) for n, v in inputs if n == "age")
    # 2 conditions + age 85+ (3) or 75-84 (2) + frailty 2
    assert parameters["riskScore"]["valueInteger"] == 2 + (3 if age >= 85 else 2) + 2
    assert parameters["sixMonthlyReview"]["valueBoolean"] is True


async def test_register_refuses_what_it_cannot_place(care_plans: CarePlans) -> None:
    no_nhs = patient(new_nhs_number())
    no_nhs["identifier"] = [{"system": "urn:x", "value": "1"}]
    bad_check_digit = patient("9990000019")
    orphan = condition(new_nhs_number(), ASTHMA)
    orphan["subject"] = {"display": "someone"}
    for body in (no_nhs, bad_check_digit, orphan):
        response = await care_plans.client.post(
            f"/fhir/{body['resourceType']}",
            content=orjson.dumps(body),
            headers=care_plans.auth("system"),
        )
        assert response.status_code == 400, response.text
    for url, status in (
        ("/fhir/Patient/no-such/$stratification", 404),
        ("/fhir/Patient/bad!id/$stratification", 400),
    ):
        assert (await care_plans.client.get(url, headers=care_plans.auth())).status_code == status


async def test_a_gp_cannot_see_another_practices_stratification(care_plans: CarePlans) -> None:
    patient_id, _ = await care_plans.registered()
    response = await care_plans.client.get(
        f"/fhir/Patient/{patient_id}/$stratification",
        headers=care_plans.auth(organisation=PRACTICE_B),
    )
    assert response.status_code == 404
