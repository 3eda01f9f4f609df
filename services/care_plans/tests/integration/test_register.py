"""The patient register over REST: cohorts follow the Conditions on the register and a
change of cohort is announced; what the register cannot place is refused."""

from __future__ import annotations

import orjson

from services.care_plans.tests.builders import ASTHMA, DIABETES, condition, patient
from services.care_plans.tests.conftest import CarePlans, new_nhs_number

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


async def test_register_refuses_what_it_cannot_place(care_plans: CarePlans) -> None:
    no_nhs = patient(new_nhs_number())
    no_nhs["identifier"] = [{"system": "urn:x", "value": "1"}]
    bad_check_digit = patient("9990000019")
    by_display = condition(new_nhs_number(), ASTHMA)
    by_display["subject"] = {"display": "someone"}
    unknown_patient = condition(new_nhs_number(), ASTHMA)
    unknown_patient["subject"] = {"reference": "Patient/no-such-patient"}
    cases = ((no_nhs, 400), (bad_check_digit, 400), (by_display, 422), (unknown_patient, 422))
    for body, status in cases:
        response = await care_plans.client.post(
            f"/fhir/{body['resourceType']}",
            content=orjson.dumps(body),
            headers=care_plans.auth("system"),
        )
        assert response.status_code == status, response.text
