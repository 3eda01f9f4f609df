"""The FHIR shapes of MDT records: case and action Tasks, case lists, meetings, outcomes.

Built here from domain values so every handler writes the same shape, and the
mapping from the domain's words (urgency, case state, owner) to FHIR codes lives in
one place. Narrative text is escaped: it is built from what clinicians typed.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM, ODS_SYSTEM, SDS_USER_SYSTEM
from carecoord_shared.fhir.outcome import JsonObject
from mdt.domain.commands import Action, ListingSource
from mdt.domain.model import FHIR_PRIORITY, Urgency

CODES = "https://carecoord.example/fhir/CodeSystem/mdt"
CASE_STATUS = "https://carecoord.example/fhir/CodeSystem/mdt-case-status"
TEAM_ID = "https://carecoord.example/fhir/Id/mdt"
MEETING_ID = "https://carecoord.example/fhir/Id/mdt-meeting"
TASK_STATUS = {
    "listed": "requested",
    "prepared": "ready",
    "discussed": "completed",
    "deferred": "on-hold",
    "not-discussed": "on-hold",
}


def instant(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def coded(code: str, system: str = CODES) -> JsonObject:
    return {"coding": [{"system": system, "code": code}]}


def patient_ref(nhs: str) -> JsonObject:
    return {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs}}


def narrative(lines: Sequence[str]) -> JsonObject:
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines) or "<p>None</p>"
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


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


def case_list(mdt_id: str, meeting_id: str, entries: Sequence[tuple[str, bool]]) -> JsonObject:
    """The meeting's List, in discussion order, each case flagged ready or not-ready."""
    body: JsonObject = {
        "resourceType": "List",
        "status": "current",
        "mode": "working",
        "title": "MDT case list",
        "code": coded("mdt-case-list"),
        "identifier": [
            {"system": TEAM_ID, "value": mdt_id},
            {"system": MEETING_ID, "value": meeting_id},
        ],
        "date": instant(datetime.now().astimezone()),
        "orderedBy": coded("priority", "http://terminology.hl7.org/CodeSystem/list-order"),
    }
    if entries:
        body["entry"] = [
            {
                "item": {"reference": f"Task/{case_id}"},
                "flag": coded("ready" if ok else "not-ready"),
            }
            for case_id, ok in entries
        ]
    else:
        body["emptyReason"] = coded(
            "nilknown", "http://terminology.hl7.org/CodeSystem/list-empty-reason"
        )
    return body


def appointment(
    mdt_id: str, start: datetime, end: datetime, minutes: int, places: int
) -> JsonObject:
    return {
        "resourceType": "Appointment",
        "status": "booked",
        "description": "MDT meeting",
        "serviceType": [coded("mdt-meeting")],
        "start": instant(start),
        "end": instant(end),
        "minutesDuration": minutes,
        "comment": f"Room for {places} cases",
        "participant": [{"actor": {"reference": f"CareTeam/{mdt_id}"}, "status": "accepted"}],
    }


def encounter(meeting_id: str, start: datetime, attendees: Sequence[str]) -> JsonObject:
    return {
        "resourceType": "Encounter",
        "status": "in-progress",
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": "VR",
            "display": "virtual",
        },
        "serviceType": coded("mdt-meeting"),
        "appointment": [{"reference": f"Appointment/{meeting_id}"}],
        "period": {"start": instant(start)},
        "participant": [
            {"individual": {"identifier": {"system": SDS_USER_SYSTEM, "value": user}}}
            for user in attendees
        ],
    }


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


def composition(
    case_id: str,
    nhs: str,
    author: str,
    outcome: str,
    summary: str | None,
    decisions: Sequence[str],
    actions: Sequence[tuple[str, Action]],
    now: datetime,
) -> JsonObject:
    sections: list[JsonObject] = [
        {
            "title": "Outcome",
            "code": coded(outcome, CASE_STATUS),
            "text": narrative([summary or outcome]),
        },
        {"title": "Decisions", "text": narrative(decisions)},
    ]
    action_section: JsonObject = {
        "title": "Actions",
        "text": narrative([f"{a.description} (due {a.due_on.isoformat()})" for _, a in actions]),
    }
    if actions:
        action_section["entry"] = [{"reference": f"Task/{task_id}"} for task_id, _ in actions]
    sections.append(action_section)
    return {
        "resourceType": "Composition",
        "status": "final",
        "type": coded("mdt-outcome-record"),
        "subject": patient_ref(nhs),
        "date": instant(now),
        "author": [{"identifier": {"system": SDS_USER_SYSTEM, "value": author}}],
        "title": "MDT outcome record",
        "relatesTo": [{"code": "appends", "targetReference": {"reference": f"Task/{case_id}"}}],
        "section": sections,
    }


def due_day(value: date) -> str:
    return value.isoformat()
