"""`$stratification`: a patient's cohorts and risk score shown with the inputs that
produced them, only to those who may see the patient, by GET and POST alike."""

from __future__ import annotations

from datetime import timedelta

from care_plans.domain.referrals import ReferralActivity
from care_plans.operations.stratification import OPERATION
from services.care_plans.tests.builders import ASTHMA, DIABETES, PRACTICE_B, condition, patient
from services.care_plans.tests.conftest import CarePlans, new_nhs_number
from services.care_plans.tests.units import NOW, fake_care_plans, operation_call, staff

FRAILTY = "925831000000107"


def _parameters(body: dict) -> dict:
    return {p["name"]: p for p in body["parameter"] if p["name"] != "cohort"}


async def test_the_score_counts_conditions_age_frailty_and_recent_requests() -> None:
    fake = fake_care_plans()
    nhs = "9990000018"
    patient_id = await fake.registered(nhs, DIABETES, ASTHMA, FRAILTY, birthDate="1950-01-01")
    for index in range(5):  # 5 requests in the last year count as 3 at most
        await fake.activity.project(
            ReferralActivity(
                f"ServiceRequest/{index}",
                nhs,
                None,
                "active",
                "",
                None,
                None,
                1,
                "carecoord.referral.submitted.v1",
                NOW - timedelta(days=30),
            )
        )
    result = await OPERATION.handler(operation_call(fake, OPERATION, [], staff(), patient_id))
    assert isinstance(result.body, dict)
    cohorts = [p["valueCode"] for p in result.body["parameter"] if p["name"] == "cohort"]
    assert cohorts == ["long-term-condition", "frailty"]
    parameters = _parameters(result.body)
    # 2 long-term conditions + age 76 (2) + frailty (2) + 3 requests at most
    assert parameters["riskScore"]["valueInteger"] == 2 + 2 + 2 + 3
    inputs = {p["name"]: p.get("valueInteger") for p in parameters["input"]["part"]}
    assert (inputs["age"], inputs["recentRequests"]) == (76, 5)


async def test_stratification_shows_its_inputs(care_plans: CarePlans) -> None:
    nhs = new_nhs_number()
    created = await care_plans.post(patient(nhs, birthDate="1940-05-01"), role="system")
    for code in (DIABETES, ASTHMA, FRAILTY):
        await care_plans.post(condition(nhs, code), role="system")
    response = await care_plans.client.get(
        f"/fhir/Patient/{created['id']}/$stratification", headers=care_plans.auth()
    )
    assert response.status_code == 200, response.text
    parameters = _parameters(response.json())
    inputs = {
        (p["name"], str(p.get("valueInteger", p.get("valueCoding", {}).get("code"))))
        for p in parameters["input"]["part"]
    }
    assert {("condition", DIABETES), ("condition", ASTHMA), ("condition", FRAILTY)} <= inputs
    age = next(int(v) for n, v in inputs if n == "age")
    # 2 conditions + age 85+ (3) or 75-84 (2) + frailty 2
    assert parameters["riskScore"]["valueInteger"] == 2 + (3 if age >= 85 else 2) + 2
    assert parameters["sixMonthlyReview"]["valueBoolean"] is True


async def test_get_and_post_answer_alike(care_plans: CarePlans) -> None:
    patient_id, _ = await care_plans.registered(conditions=(DIABETES,))
    by_get, by_post = await care_plans.by_get_and_post(
        f"/fhir/Patient/{patient_id}/$stratification", []
    )
    assert by_get.status_code == by_post.status_code == 200
    assert by_get.json() == by_post.json()


async def test_unknown_bad_and_hidden_patients_are_refused(care_plans: CarePlans) -> None:
    for url, status in (
        ("/fhir/Patient/no-such/$stratification", 404),
        ("/fhir/Patient/bad!id/$stratification", 400),
    ):
        assert (await care_plans.client.get(url, headers=care_plans.auth())).status_code == status
    patient_id, _ = await care_plans.registered()
    response = await care_plans.client.get(
        f"/fhir/Patient/{patient_id}/$stratification",
        headers=care_plans.auth(organisation=PRACTICE_B),
    )
    assert response.status_code == 404
