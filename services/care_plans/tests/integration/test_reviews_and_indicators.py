"""Review schedules (diabetes and COPD 6-monthly, others yearly), the overdue worklist,
`review-due` announced once, and indicators G1-G3 on a population whose answers are
known in advance."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import orjson

from care_plans.domain.care_plan import add_months
from care_plans.service.housekeeping import housekeep
from services.care_plans.tests.conftest import (
    ASTHMA,
    DIABETES,
    CarePlans,
    assignment,
    care_plan,
)

TYPE_1_DIABETES = "46635009"
COPD = "13645005"


def months_ago(months: int, today: date | None = None) -> str:
    return add_months(today or datetime.now(UTC).date(), -months).isoformat()


async def _overdue(care_plans: CarePlans, locality: str) -> set[str]:
    response = await care_plans.client.get(
        f"/fhir/CarePlan/$overdue-review?locality={locality}", headers=care_plans.auth("system")
    )
    assert response.status_code == 200, response.text
    return {e["resource"]["id"] for e in response.json().get("entry", [])}


async def test_diabetes_and_copd_are_reviewed_six_monthly_others_yearly(
    care_plans: CarePlans,
) -> None:
    area = f"rev-{uuid.uuid4().hex[:6]}"
    plans = {}
    for name, codes, reviewed in (
        ("diabetes-7m", (DIABETES,), 7),
        ("type1-7m", (TYPE_1_DIABETES,), 7),
        ("copd-7m", (COPD,), 7),
        ("diabetes-5m", (DIABETES,), 5),
        ("asthma-7m", (ASTHMA,), 7),
        ("asthma-13m", (ASTHMA,), 13),
    ):
        _, nhs = await care_plans.registered(conditions=codes, locality=area)
        plan = await care_plans.post(care_plan(nhs, reviewed=months_ago(reviewed)), role="system")
        plans[name] = plan["id"]
    overdue = await _overdue(care_plans, area)
    assert overdue == {plans[n] for n in ("diabetes-7m", "type1-7m", "copd-7m", "asthma-13m")}
    [revised] = await care_plans.events(
        "carecoord.careplan.revised.v1", f"CarePlan/{plans['diabetes-5m']}"
    )
    assert revised["nextReviewDue"] == add_months(date.fromisoformat(months_ago(5)), 6).isoformat()

    registry, topic = care_plans.app.state.registry, care_plans.settings.topic
    await housekeep(care_plans.engine, registry, topic)
    await housekeep(care_plans.engine, registry, topic)
    for name in ("diabetes-7m", "asthma-13m"):
        due = await care_plans.events("carecoord.careplan.review-due.v1", f"CarePlan/{plans[name]}")
        assert len(due) == 1, name
    assert (
        await care_plans.events(
            "carecoord.careplan.review-due.v1", f"CarePlan/{plans['asthma-7m']}"
        )
        == []
    )


async def test_a_review_restarts_the_clock(care_plans: CarePlans) -> None:
    area = f"rev-{uuid.uuid4().hex[:6]}"
    _, nhs = await care_plans.registered(conditions=(DIABETES,), locality=area)
    plan = await care_plans.post(care_plan(nhs, reviewed=months_ago(8)), role="system")
    assert await _overdue(care_plans, area) == {plan["id"]}
    reviewed = care_plan(nhs, reviewed=datetime.now(UTC).date().isoformat()) | {"id": plan["id"]}
    response = await care_plans.client.put(
        f"/fhir/CarePlan/{plan['id']}",
        content=orjson.dumps(reviewed),
        headers=care_plans.auth("system") | {"If-Match": 'W/"1"'},
    )
    assert response.status_code == 200
    assert await _overdue(care_plans, area) == set()


async def test_bad_worklist_queries_are_refused(care_plans: CarePlans) -> None:
    for query in ("asOf=tomorrow", "asOf=2026-01-01&asOf=2026-01-02", "colour=red", "practice="):
        response = await care_plans.client.get(
            f"/fhir/CarePlan/$overdue-review?{query}", headers=care_plans.auth()
        )
        assert response.status_code == 400, query


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
    assert {e["resource"]["id"] for e in measures.json()["entry"]} == {"G1", "G2", "G3"}
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
