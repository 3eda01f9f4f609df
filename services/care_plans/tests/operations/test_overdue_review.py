"""`$overdue-review`: review schedules (diabetes and COPD 6-monthly, others yearly), a
review restarting the clock, refusals of bad queries, and GET and POST alike."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import orjson

from care_plans.domain.care_plan import add_months
from services.care_plans.tests.builders import ASTHMA, DIABETES, care_plan
from services.care_plans.tests.conftest import CarePlans, entries

TYPE_1_DIABETES = "46635009"
COPD = "13645005"


def months_ago(months: int, today: date | None = None) -> str:
    return add_months(today or datetime.now(UTC).date(), -months).isoformat()


async def _overdue(care_plans: CarePlans, locality: str) -> set[str]:
    response = await care_plans.client.get(
        f"/fhir/CarePlan/$overdue-review?locality={locality}", headers=care_plans.auth("system")
    )
    return {plan["id"] for plan in entries(response)}


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


async def test_get_and_post_answer_alike(care_plans: CarePlans) -> None:
    area = f"rev-{uuid.uuid4().hex[:6]}"
    _, nhs = await care_plans.registered(conditions=(ASTHMA,), locality=area)
    plan = await care_plans.post(care_plan(nhs, reviewed=months_ago(13)), role="system")
    by_get, by_post = await care_plans.by_get_and_post(
        "/fhir/CarePlan/$overdue-review",
        [("locality", "valueString", area), ("asOf", "valueDate", date.today().isoformat())],
        role="system",
    )
    assert [r["id"] for r in entries(by_get)] == [plan["id"]]
    assert by_get.json() == by_post.json()
