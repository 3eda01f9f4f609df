"""The review-due job: each plan whose review fell due is announced once per due date
(6-monthly for diabetes or COPD, else yearly); a new review re-arms it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from care_plans.domain.care_plan import add_months
from care_plans.domain.event_types import REVIEW_DUE
from care_plans.jobs.review_due import JOB
from services.care_plans.tests.builders import ASTHMA, DIABETES, care_plan
from services.care_plans.tests.conftest import CarePlans
from services.care_plans.tests.units import NOW, fake_care_plans, job_call


def months_ago(months: int) -> str:
    return add_months(NOW.date(), -months).isoformat()


async def test_a_due_review_is_announced_once_until_the_plan_is_reviewed() -> None:
    fake = fake_care_plans()
    await fake.registered("9990000018", DIABETES)
    await fake.registered("9990000026", ASTHMA)
    diabetic = await fake.write(care_plan("9990000018", reviewed=months_ago(7)))
    await fake.write(care_plan("9990000026", reviewed=months_ago(7)))  # due in 5 months
    assert await JOB.run(job_call(fake)) == 1
    assert await JOB.run(job_call(fake)) == 0
    [due] = fake.events(REVIEW_DUE)
    assert due == {
        "carePlan": f"CarePlan/{diabetic['id']}",
        "dueOn": add_months(NOW.date(), -1).isoformat(),
        "nhsNumber": "9990000018",
    }
    reviewed = care_plan("9990000018", reviewed=months_ago(6)) | {"id": diabetic["id"]}
    await fake.write(reviewed, resource_id=diabetic["id"], if_match=1)
    assert await JOB.run(job_call(fake)) == 1  # reviewed 6 months ago: due today again


async def test_reviews_fall_due_by_the_register_as_it_is_now(care_plans: CarePlans) -> None:
    area, today = f"due-{uuid.uuid4().hex[:6]}", datetime.now(UTC).date()

    async def plan(conditions: tuple[str, ...], reviewed_months_ago: int) -> str:
        _, nhs = await care_plans.registered(conditions=conditions, locality=area)
        reviewed = add_months(today, -reviewed_months_ago).isoformat()
        return str((await care_plans.post(care_plan(nhs, reviewed=reviewed), role="system"))["id"])

    announced = {await plan((DIABETES,), 7): 1, await plan((ASTHMA,), 7): 0}
    announced[await plan((ASTHMA,), 13)] = 1
    await care_plans.housekeep()
    await care_plans.housekeep()
    for plan_id, times in announced.items():
        assert len(await care_plans.events(REVIEW_DUE, f"CarePlan/{plan_id}")) == times, plan_id
