"""`$evaluate-measure`: indicators G1-G3 on a population whose answers are known in
advance, the Measures served, refusals, and GET and POST alike."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from care_plans.domain.care_plan import add_months
from services.care_plans.tests.builders import (
    ASTHMA,
    DIABETES,
    PRACTICE_A,
    PRACTICE_B,
    assignment,
    care_plan,
)
from services.care_plans.tests.conftest import CarePlans, entries


def months_ago(months: int) -> str:
    return add_months(datetime.now(UTC).date(), -months).isoformat()


async def test_indicators_on_a_known_population(care_plans: CarePlans) -> None:
    area = f"ind-{uuid.uuid4().hex[:6]}"
    patients = []
    for index in range(12):
        codes: tuple[str, ...] = (ASTHMA,) if index < 10 else ()
        if index == 7:
            codes = (DIABETES,)
        patients.append(await care_plans.registered(conditions=codes, locality=area))
    for index, (patient_id, nhs) in enumerate(patients):
        if index <= 8 or index == 10:
            await care_plans.assign(patient_id, assignment(f"95{index:04d}"), role="system")
        reviewed = {6: 13, 7: 7}.get(index, 1)
        if index <= 7 or index == 10:
            body = care_plan(nhs, reviewed=months_ago(reviewed), goals=("Goal/walk",))
            await care_plans.post(body, role="system")
        elif index == 8:
            await care_plans.post(
                care_plan(nhs, reviewed=months_ago(1), co_developed=False), role="system"
            )
    # G1: 0-5 and 8 (6 is 13 months, 7 is diabetic at 7 months); G2: 0-8; G3: 0-5 and 7
    expected = {"G1": (7, "below"), "G2": (9, "within"), "G3": (7, "below")}
    today = datetime.now(UTC).date().isoformat()
    for code, (numerator, band) in expected.items():
        response = await care_plans.client.get(
            f"/fhir/Measure/{code}/$evaluate-measure?periodStart=2026-01-01&periodEnd={today}"
            f"&subject=Location/{area}",
            headers=care_plans.auth(),
        )
        assert response.status_code == 200, response.text
        report = response.json()
        counts = {
            p["code"]["coding"][0]["code"]: p["count"] for p in report["group"][0]["population"]
        }
        assert counts == {"numerator": numerator, "denominator": 10}, code
        assert report["group"][0]["measureScore"]["value"] == numerator / 10
        result = report["extension"][0]["extension"][2]
        assert result == {"url": "result", "valueCode": band}, code


async def test_measures_are_served_and_bad_evaluations_refused(care_plans: CarePlans) -> None:
    measures = await care_plans.client.get("/fhir/Measure", headers=care_plans.auth())
    assert {m["id"] for m in entries(measures)} == {"G1", "G2", "G3"}
    metadata = (await care_plans.client.get("/fhir/metadata")).text
    for operation in ("assign-coordinator", "evaluate-measure", "overdue-review", "caseload"):
        assert operation in metadata
    base = "/fhir/Measure/G2/$evaluate-measure"
    cases = {
        f"{base}?periodStart=2026-01-01": 400,
        f"{base}?periodStart=2026-02-01&periodEnd=2026-01-01": 400,
        f"{base}?periodStart=2026-01-01&periodEnd=2026-02-01&subject=Patient/x": 400,
        f"{base}?periodStart=jan&periodEnd=2026-02-01": 400,
        "/fhir/Measure/G9/$evaluate-measure?periodStart=2026-01-01&periodEnd=2026-02-01": 404,
    }
    for url, status in cases.items():
        assert (await care_plans.client.get(url, headers=care_plans.auth())).status_code == status
    as_patient = care_plans.auth("patient", organisation=None, nhs_number="9990000018")
    ok_query = f"{base}?periodStart=2026-01-01&periodEnd=2026-02-01"
    assert (await care_plans.client.get(ok_query, headers=as_patient)).status_code == 403
    system = await care_plans.client.get(ok_query, headers=care_plans.auth("system"))
    assert system.status_code == 200


async def test_get_and_post_answer_alike(care_plans: CarePlans) -> None:
    area = f"ind-{uuid.uuid4().hex[:6]}"
    await care_plans.registered(conditions=(ASTHMA,), locality=area)
    by_get, by_post = await care_plans.by_get_and_post(
        "/fhir/Measure/G2/$evaluate-measure",
        [
            ("periodStart", "valueDate", "2026-01-01"),
            ("periodEnd", "valueDate", "2026-02-01"),
            ("subject", "valueString", f"Location/{area}"),
        ],
    )
    assert by_get.status_code == by_post.status_code == 200
    # `date` is when each report was made: the one field that may differ
    assert {**by_get.json(), "date": None} == {**by_post.json(), "date": None}
    assert by_get.json()["group"][0]["population"][1]["count"] == 1


async def test_finding_12_a_practices_indicators_are_for_its_own_staff(
    care_plans: CarePlans,
) -> None:
    await care_plans.registered(practice=PRACTICE_A, conditions=(ASTHMA,))
    period = "periodStart=2026-01-01&periodEnd=2026-02-01"
    practice = f"/fhir/Measure/G2/$evaluate-measure?{period}&subject=Organization/{PRACTICE_A}"
    allowed = (
        care_plans.auth(),  # the practice's own GP
        care_plans.auth("care-coordinator", organisation=PRACTICE_A),
        care_plans.auth("system"),  # an agreement covering the whole system
        care_plans.auth("admin", scopes="user/MeasureReport.rs"),
        care_plans.auth("information-governance", scopes="user/MeasureReport.rs"),
    )
    for headers in allowed:
        response = await care_plans.client.get(practice, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["subject"] == {"reference": f"Organization/{PRACTICE_A}"}
    refused = (
        care_plans.auth(organisation=PRACTICE_B),  # another practice's GP
        care_plans.auth("care-coordinator", organisation=PRACTICE_B),
        care_plans.auth("system", agreement=PRACTICE_B),
        care_plans.auth("patient", organisation=None, nhs_number="9990000018"),
    )
    for headers in refused:
        response = await care_plans.client.get(practice, headers=headers)
        assert response.status_code == 403, response.text
    # the locality and system roll-ups are any staff member's
    rollup = f"/fhir/Measure/G2/$evaluate-measure?{period}"
    other_gp = care_plans.auth(organisation=PRACTICE_B)
    assert (await care_plans.client.get(rollup, headers=other_gp)).status_code == 200
    entity = f"Measure/G2/$evaluate-measure?subject=Organization/{PRACTICE_A}"
    outcomes = [outcome for _, outcome, _, _ in await care_plans.audit(entity)]
    assert outcomes == ["0"] * len(allowed) + ["4"] * len(refused)
