"""The FHIR shapes of the MDT's Tasks: a case on a list, an action, an overflow notice.

A case Task carries its state (`businessStatus`), the question, the purpose, the
meeting, what `$prepare` attached and the checklist as named `input`s; this module is
the one place that reads and writes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from carecoord_shared.fhir.identifiers import ODS_SYSTEM, SDS_USER_SYSTEM
from carecoord_shared.fhir.outcome import JsonObject
from mdt.domain.commands import Action, ListingSource
from mdt.domain.model import FHIR_PRIORITY, Checklist, Urgency
from mdt.fhir.shapes import coded, instant, patient_ref
from mdt.fhir.systems import CASE_STATUS

ATTACHED = "attached"
CHECKLIST_ITEMS = ("question-stated", "care-plan-current", "recent-activity-attached")
TASK_STATUS = {
    "listed": "requested",
    "prepared": "ready",
    "discussed": "completed",
    "deferred": "on-hold",
    "not-discussed": "on-hold",
}


def set_input(task: JsonObject, name: str, **value: Any) -> None:
    """Replace the Task.input called `name` (or remove it when `value` is empty)."""
    kept = [i for i in task.get("input", []) if i.get("type", {}).get("text") != name]
    if value:
        kept.append({"type": {"text": name}, **value})
    task["input"] = kept
    if not kept:
        task.pop("input")


def input_value(task: JsonObject, name: str) -> Any:
    for item in task.get("input", []):
        if item.get("type", {}).get("text") == name:
            return next(v for k, v in item.items() if k.startswith("value"))
    return None


def attached(task: JsonObject) -> list[str]:
    """The references `$prepare` attached to a case Task (recent referrals, advice)."""
    return [
        str(i["valueReference"]["reference"])
        for i in task.get("input", [])
        if i.get("type", {}).get("text") == ATTACHED and "valueReference" in i
    ]


def attach(task: JsonObject, reference: str) -> None:
    task.setdefault("input", []).append(
        {"type": {"text": ATTACHED}, "valueReference": {"reference": reference}}
    )


def record_checklist(task: JsonObject, result: Checklist) -> None:
    """Each checklist item as a `checklist:*` boolean input of the case Task."""
    missing = result.missing()
    for name in CHECKLIST_ITEMS:
        set_input(task, f"checklist:{name}", valueBoolean=name not in missing)


def set_state(task: JsonObject, state: str) -> None:
    task["status"] = TASK_STATUS[state]
    task["businessStatus"] = coded(state, CASE_STATUS)


def source_note(source: ListingSource) -> JsonObject:
    text = f"{source.kind}: {source.reason}"
    if source.event_id:
        text += f" (event {source.event_type} {source.event_id})"
    note: JsonObject = {"text": text, "time": source.at}
    note["authorString"] = source.nominator or f"rule {source.kind}"
    return note


def case_task(
    mdt_id: str,
    nhs: str,
    urgency: Urgency,
    source: ListingSource,
    question: str | None,
    for_discussion: bool,
    meeting_id: str | None,
) -> JsonObject:
    task: JsonObject = {
        "resourceType": "Task",
        "intent": "plan",
        "priority": FHIR_PRIORITY[urgency],
        "code": coded("mdt-case"),
        "for": patient_ref(nhs),
        "owner": {"reference": f"CareTeam/{mdt_id}"},
        "authoredOn": source.at,
        "note": [source_note(source)],
    }
    set_state(task, "listed")
    if question:
        set_input(task, "question", valueString=question)
    purpose = "for-discussion" if for_discussion else "for-information"
    set_input(task, "purpose", valueCode=purpose)
    if meeting_id:
        set_input(task, "meeting", valueReference={"reference": f"Appointment/{meeting_id}"})
    return task


def owner_of(action: Action) -> JsonObject:
    owner: JsonObject = {}
    if action.owner_reference:
        owner["reference"] = action.owner_reference
    elif action.owner_organisation:
        owner["identifier"] = {"system": ODS_SYSTEM, "value": action.owner_organisation}
    if action.owner_display:
        owner["display"] = action.owner_display
    return owner


def action_task(case_id: str, nhs: str, action: Action, now: datetime) -> JsonObject:
    task: JsonObject = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "code": coded("mdt-action"),
        "businessStatus": coded("assigned", CASE_STATUS),
        "description": action.description,
        "for": patient_ref(nhs),
        "partOf": [{"reference": f"Task/{case_id}"}],
        "owner": owner_of(action),
        "authoredOn": instant(now),
        "restriction": {"period": {"end": action.due_on.isoformat()}},
    }
    set_input(task, "owner-kind", valueCode=action.owner_kind)
    return task


def notice_task(case_id: str, nhs: str, nominator: str, text: str, now: datetime) -> JsonObject:
    """A Task telling a nominator their patient moved to a later meeting."""
    return {
        "resourceType": "Task",
        "status": "requested",
        "intent": "proposal",
        "code": coded("mdt-overflow-notice"),
        "description": text,
        "for": patient_ref(nhs),
        "focus": {"reference": f"Task/{case_id}"},
        "owner": {"identifier": {"system": SDS_USER_SYSTEM, "value": nominator}},
        "authoredOn": instant(now),
    }
