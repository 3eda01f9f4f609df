"""The Tasks of triage: the provider's triage Task, the referrer's asks, escalations.

A triage Task's `businessStatus` is the triage state (whose turn it is) and its
`restriction.period.end` the due date, so the worklists are plain FHIR searches.
"""

from __future__ import annotations

from datetime import datetime

from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM, ODS_SYSTEM
from carecoord_shared.fhir.outcome import JsonObject
from referrals.domain import vocabulary as v
from referrals.domain.records import TriageCase
from referrals.domain.triage import TriageState
from referrals.fhir.shapes import concept, instant

_TASK_STATUS = {
    TriageState.AWAITING_TRIAGE: "ready",
    TriageState.AWAITING_INFORMATION: "on-hold",
    TriageState.AWAITING_CONVERSION_AUTHORISATION: "on-hold",
    TriageState.ADVICE_GIVEN: "completed",
    TriageState.ACCEPTED: "completed",
    TriageState.REDIRECTED: "completed",
    TriageState.REJECTED: "rejected",
    TriageState.CONVERTED: "completed",
    TriageState.CANCELLED: "cancelled",
}


def triage_task(
    request_ref: str,
    request: JsonObject,
    service_ref: str,
    submitted: datetime,
    due: datetime,
) -> JsonObject:
    return {
        "resourceType": "Task",
        "status": _TASK_STATUS[TriageState.AWAITING_TRIAGE],
        "businessStatus": concept(v.TRIAGE_STATE, TriageState.AWAITING_TRIAGE.value),
        "intent": "order",
        "priority": request.get("priority", "routine"),
        "code": concept(v.TASK_CODE, "triage"),
        "focus": {"reference": request_ref},
        "for": request["subject"],
        "authoredOn": instant(submitted),
        "requester": request["requester"],
        "owner": {"reference": service_ref},
        "restriction": {"period": {"start": instant(submitted), "end": instant(due)}},
    }


def moved_task(
    task: JsonObject, state: TriageState, outcome: str, note: str | None, due: datetime | None
) -> JsonObject:
    body = {k: value for k, value in task.items() if k != "meta"}
    body["status"] = _TASK_STATUS[state]
    body["businessStatus"] = concept(v.TRIAGE_STATE, state.value)
    output = {"type": concept(v.TRIAGE_OUTCOME, outcome), "valueString": note or outcome}
    body["output"] = [*body.get("output", []), output]
    if due is not None:
        body["restriction"]["period"]["end"] = instant(due)
    return body


def referrer_task(
    code: str, request_ref: str, request: JsonObject, practice: str, part_of: str, note: str | None
) -> JsonObject:
    """A task for the referring practice (more information, or authorise conversion)."""
    task: JsonObject = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "priority": request.get("priority", "routine"),
        "code": concept(v.TASK_CODE, code),
        "focus": {"reference": request_ref},
        "for": request["subject"],
        "partOf": [{"reference": part_of}],
        "owner": {"type": "Organization", "identifier": {"system": ODS_SYSTEM, "value": practice}},
    }
    if note:
        task["description"] = note
    return task


def escalation_task(case: TriageCase) -> JsonObject:
    """The service's Task to answer a request whose response is due soon."""
    return {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "priority": "urgent",
        "code": concept(v.TASK_CODE, "escalation"),
        "description": "The response to this request is due soon",
        "focus": {"reference": case.service_request},
        "partOf": [{"reference": case.task}],
        "for": {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": case.nhs_number}},
        "owner": {"reference": case.service},
        "restriction": {"period": {"end": instant(case.due_at)}},
    }
