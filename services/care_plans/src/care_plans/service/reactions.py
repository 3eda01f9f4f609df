"""What other services' facts do to a patient's care plan.

- referrals `triaged` with outcome advice-given or accepted: an activity (Task) about
  the request, linked to the patient's active comprehensive plan;
- MDT `action-assigned`: the action becomes a plan activity owned by its owner;
- MDT `outcome-recorded` with `planReviewed`: counts as the plan's review.
Writes go through a FhirTransaction on the consumer's connection as this service's
worker (a system caller), so validation, Provenance, audit and outbox events are the
same as for any other write. Activities are keyed by the fact that caused them
(`source-event` identifier + If-None-Exist), so even a re-sent duplicate under a new
event id adds nothing; the kernel inbox already skips a redelivered event id.
"""

from __future__ import annotations

from typing import Any

from care_plans.domain.codes import EVENT_ID_SYSTEM, EXT_LAST_REVIEWED
from care_plans.service.announce import ACTIVITY_ADDED, announce
from care_plans.store import plans
from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM, UBRN_SYSTEM
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security.principal import Principal
from carecoord_shared.security.scopes import parse_scopes

WORKER = Principal(
    subject="care_plans-worker",
    kind="system",
    role="system",
    organisation=None,
    nhs_number=None,
    scopes=parse_scopes("system/*.cruds"),
)
Json = dict[str, Any]


def activity_task(nhs_number: str, key: str, description: str, status: str) -> Json:
    return {
        "resourceType": "Task",
        "identifier": [{"system": EVENT_ID_SYSTEM, "value": key}],
        "status": status,
        "intent": "plan",
        "description": description[:1000],
        "for": {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number}},
    }


async def add_activity(
    tx: FhirTransaction, nhs_number: str, task: Json, source: str, topic: str
) -> str | None:
    """Create the activity once and link it to the active comprehensive plan, if any."""
    plan_id = await plans.active_comprehensive(tx.conn, nhs_number)
    if plan_id is not None:
        task["focus"] = {"reference": f"CarePlan/{plan_id}"}
    key = task["identifier"][0]["value"]
    stored, created = await tx.create(
        "Task", task, if_none_exist=f"identifier={EVENT_ID_SYSTEM}|{key}"
    )
    if not created or plan_id is None:
        return None
    plan = await tx.read("CarePlan", plan_id, lock=True)
    body = plan.as_json()
    body.pop("meta", None)
    body["activity"] = [*body.get("activity", []), {"reference": {"reference": stored.reference}}]
    await tx.update("CarePlan", plan_id, body, if_match=plan.version_id)
    await announce(
        tx.conn,
        topic,
        ACTIVITY_ADDED,
        subject=f"CarePlan/{plan_id}",
        nhs_number=nhs_number,
        data={"carePlan": f"CarePlan/{plan_id}", "activity": stored.reference, "source": source},
    )
    return stored.reference


def triage_activity(data: Json) -> Json | None:
    outcome, nhs_number = data.get("outcome"), data.get("nhsNumber")
    request = data.get("serviceRequest")
    if outcome not in ("advice-given", "accepted") or not isinstance(nhs_number, str):
        return None
    if not isinstance(request, str):
        return None
    text = (
        "Specialist advice given in reply to an advice & guidance request"
        if outcome == "advice-given"
        else "Referral accepted by the specialist service: appointment to be booked"
    )
    task = activity_task(
        nhs_number,
        f"{request}#{outcome}",
        text,
        "completed" if outcome == "advice-given" else "requested",
    )
    if isinstance(data.get("ubrn"), str):
        task["basedOn"] = [
            {"type": "ServiceRequest", "identifier": {"system": UBRN_SYSTEM, "value": data["ubrn"]}}
        ]
    return task


def mdt_action_activity(data: Json) -> Json | None:
    nhs_number, action = data.get("nhsNumber"), data.get("action")
    if not isinstance(nhs_number, str) or not isinstance(action, str):
        return None
    task = activity_task(
        nhs_number, f"mdt:{action}", str(data.get("description") or "MDT action"), "requested"
    )
    owner = data.get("owner") or {}
    if isinstance(owner.get("display"), str):
        task["owner"] = {"display": owner["display"]}
    if isinstance(data.get("dueOn"), str):
        task["restriction"] = {"period": {"end": data["dueOn"]}}
    return task


async def record_review(tx: FhirTransaction, nhs_number: str, reviewed_on: str) -> bool:
    """The MDT reviewed the plan: set its last review date (one new plan version)."""
    plan_id = await plans.active_comprehensive(tx.conn, nhs_number)
    if plan_id is None:
        return False
    plan = await tx.read("CarePlan", plan_id, lock=True)
    body = plan.as_json()
    body.pop("meta", None)
    others = [e for e in body.get("extension", []) if e.get("url") != EXT_LAST_REVIEWED]
    body["extension"] = [*others, {"url": EXT_LAST_REVIEWED, "valueDateTime": reviewed_on}]
    await tx.update("CarePlan", plan_id, body, if_match=plan.version_id)
    return True
