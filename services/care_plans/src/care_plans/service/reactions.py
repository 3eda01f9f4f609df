"""What other services' facts do to a patient's care plan.

- an activity (Task made by `fhir.activities` from a referral or MDT fact), linked to
  the patient's active comprehensive plan, announced as `careplan.activity-added`
  (the links a run of events adds to one plan are made in one new plan version);
- an MDT outcome that reviewed the plan: the plan's last review date.
Writes go through the kernel as REST writes would (`tx.write`), so validation,
Provenance, audit, the plan index and `careplan.revised` are the same as for any
other write. Activities are keyed by the fact that caused them (If-None-Exist), so
even a re-sent duplicate under a new event id adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from care_plans.domain.event_types import ACTIVITY_ADDED
from care_plans.fhir.activities import source_key
from care_plans.fhir.care_plan import facts_of
from care_plans.fhir.vocabulary import EXT_LAST_REVIEWED
from care_plans.service.provenance import record_contribution
from care_plans.store.plans import PlanIndexRepository
from carecoord_shared.fhir.gathering import Gathering
from carecoord_shared.fhir.registry import Write
from carecoord_shared.fhir.unit_of_work import FhirTransaction

Json = dict[str, Any]
PlanChange = Callable[[Json], None]


async def _revise_plan(tx: FhirTransaction, plan_id: str, change: PlanChange) -> None:
    """One new version of the plan, `change(body)` applied to the current one."""
    plan = await tx.read("CarePlan", plan_id, lock=True)
    body = plan.as_json()
    if plan.patient_nhs is not None:
        tx.repository(PlanIndexRepository).as_stored(plan_id, plan.patient_nhs, facts_of(body))
    body.pop("meta", None)
    change(body)
    # the stored plan with a change of a known shape: no second R4 validation
    revised = Write(
        "update", "CarePlan", plan_id, body, if_match=plan.version_id, check="server_built"
    )
    await tx.write(revised)


@dataclass(frozen=True, slots=True)
class _Activity:
    reference: str
    nhs_number: str
    source: str


async def _link_activities(tx: FhirTransaction, plan_id: str, added: list[_Activity]) -> None:
    """One new plan version linking every activity the unit of work added to it, then
    each activity announced: a run of events for one patient revises the plan once."""
    links = [{"reference": {"reference": a.reference}} for a in added]
    await _revise_plan(
        tx, plan_id, lambda body: body.update(activity=[*body.get("activity", []), *links])
    )
    for activity in added:
        await tx.outbox.announce(
            ACTIVITY_ADDED,
            subject=f"CarePlan/{plan_id}",
            nhs_number=activity.nhs_number,
            data={
                "carePlan": f"CarePlan/{plan_id}",
                "activity": activity.reference,
                "source": activity.source,
            },
        )


PLAN_ACTIVITIES = Gathering("care plan activities", _link_activities)


@dataclass(frozen=True, slots=True)
class _NewActivity:
    nhs_number: str
    task: Json
    source: str
    now: datetime


async def _create_activities(tx: FhirTransaction, _key: str, new: list[_NewActivity]) -> None:
    """Each activity the unit of work's events made, focused on its patient's active
    comprehensive plan (if any), created once (however often its fact came:
    If-None-Exist on the fact), each new one recorded as a contribution and linked to
    its plan: every one of them in a few statements."""
    index = tx.repository(PlanIndexRepository)
    plan_of = await index.active_comprehensive_of({a.nhs_number for a in new})
    for activity in new:
        if (plan_id := plan_of[activity.nhs_number]) is not None:
            activity.task["focus"] = {"reference": f"CarePlan/{plan_id}"}
    items = [(a.task, source_key(a.task)) for a in new]
    made = await tx.create_absent("Task", items, check="server_built")  # `fhir.activities` shapes
    for activity, (stored, created) in zip(new, made, strict=True):
        if not created:
            continue
        await record_contribution(tx, stored, True, activity.now)
        if (plan_id := plan_of[activity.nhs_number]) is not None:
            link = _Activity(stored.reference, activity.nhs_number, activity.source)
            tx.gather(PLAN_ACTIVITIES, plan_id, link)


NEW_ACTIVITIES = Gathering("new activities", _create_activities)


def add_activity(
    tx: FhirTransaction, nhs_number: str, task: Json, source: str, now: datetime
) -> None:
    """Have the activity created once, and linked to the patient's active comprehensive
    plan (if any), when the unit of work finishes."""
    tx.gather(NEW_ACTIVITIES, "all", _NewActivity(nhs_number, task, source, now))


def _reviewed_on(reviewed_on: str) -> PlanChange:
    def change(body: Json) -> None:
        others = [e for e in body.get("extension", []) if e.get("url") != EXT_LAST_REVIEWED]
        body["extension"] = [*others, {"url": EXT_LAST_REVIEWED, "valueDateTime": reviewed_on}]

    return change


async def record_review(tx: FhirTransaction, nhs_number: str, reviewed_on: str) -> bool:
    """The MDT reviewed the plan: set its last review date (one new plan version)."""
    plan_id = await tx.repository(PlanIndexRepository).active_comprehensive(nhs_number)
    if plan_id is None:
        return False
    await _revise_plan(tx, plan_id, _reviewed_on(reviewed_on))
    return True
