"""The front door's decisions and requests as FHIR R4 resources.

The published CodeSystem of questions (so partners send the same codes the pages ask),
the HealthcareService a route chooses (with its hours as `availableTime`), and what a
submitted request is stored as: the patient's own words (Communication), its routing
(CommunicationRequest) and, for a red flag, the duty clinician's urgent callback
(Task, priority `stat`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from carecoord_shared.fhir.definitions import system_url
from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM, ODS_SYSTEM
from carecoord_shared.store.repository import StoredResource
from portal.domain.front_door_rules import RuleSet
from portal.domain.opening import DAYS, Service
from portal.domain.routing import Decision

__all__ = [
    "FORM_SYSTEM",
    "FRONT_DOOR",
    "QUESTIONS_URL",
    "ROUTE_SYSTEM",
    "UNREAD",
    "body_of",
    "callback_task",
    "chase_task",
    "healthcare_service",
    "patient_message",
    "patient_of",
    "patient_reference",
    "question_code_system",
    "routed_request",
    "thread_message",
]

FRONT_DOOR = "https://carecoord.example/front-door"
QUESTIONS_URL = system_url("front-door-question")
ROUTE_SYSTEM = "https://carecoord.example/CodeSystem/front-door-route"
RULE_SYSTEM = "https://carecoord.example/front-door/rule"
CATEGORY_SYSTEM = "https://carecoord.example/CodeSystem/communication-category"
TASK_CODE_SYSTEM = "https://carecoord.example/CodeSystem/front-door-task"
FORM_SYSTEM = f"{FRONT_DOOR}/form"
CALL_ON = "Call the patient on"
CHASE_SYSTEM = f"{FRONT_DOOR}/chase"
_CHASED = {
    "callback-overdue": "The red-flag callback is not recorded yet",
    "reply-overdue": "The patient's request is not answered yet",
    "message-overdue": "The patient's message is not read yet",
}
UNREAD = "in-progress"
"""A patient's message on a thread until a member of their team has read it."""
JsonObject = dict[str, Any]


def body_of(stored: StoredResource) -> JsonObject:
    """A stored resource's JSON body (`{}` for one with no content)."""
    found: JsonObject = json.loads(stored.content or b"{}")
    return found


def patient_reference(nhs_number: str) -> JsonObject:
    """A reference to the patient by NHS number, as every front door resource names them."""
    return {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number}}


def patient_of(body: JsonObject, element: str = "subject") -> str:
    """The NHS number of the patient a front door resource names in `element` (as
    `_patient` writes it: its `subject`, a Task's `for`)."""
    return str(body[element]["identifier"]["value"])


def question_code_system(rules: RuleSet) -> JsonObject:
    """The questions the front door asks, as the CodeSystem `$route`'s answers come from."""
    return {
        "resourceType": "CodeSystem",
        "id": "front-door-question",
        "url": QUESTIONS_URL,
        "version": rules.version,
        "name": "FrontDoorQuestion",
        "title": "CareCoord front door questions",
        "status": "active",
        "experimental": True,
        "description": "What the single front door asks a patient: red flags first, then "
        "symptoms and what might exclude a service.",
        "caseSensitive": True,
        "content": "complete",
        "count": len(rules.questions),
        "property": [
            {"code": "group", "type": "code", "description": "red-flag, symptom or context"}
        ],
        "concept": [
            {
                "code": q.code,
                "display": q.display,
                "property": [{"code": "group", "valueCode": q.group}],
            }
            for q in rules.questions
        ],
    }


def _available_time(service: Service) -> list[JsonObject]:
    if service.hours.always:
        return [{"daysOfWeek": list(DAYS), "allDay": True}]
    return [
        {
            "daysOfWeek": [DAYS[day]],
            "availableStartTime": session.opens.isoformat(timespec="seconds"),
            "availableEndTime": session.closes.isoformat(timespec="seconds"),
        }
        for day, sessions in sorted(service.hours.week.items())
        for session in sessions
    ]


def healthcare_service(service: Service) -> JsonObject:
    telecom = [{"system": "phone", "value": service.phone}] if service.phone else []
    if service.url:
        telecom.append({"system": "url", "value": service.url})
    body: JsonObject = {
        "resourceType": "HealthcareService",
        "id": service.key,
        "identifier": [{"system": f"{FRONT_DOOR}/service", "value": service.key}],
        "active": True,
        "name": service.name,
        "availableTime": _available_time(service),
    }
    if telecom:
        body["telecom"] = telecom
    return body


def _route_concept(decision: Decision) -> JsonObject:
    return {
        "coding": [{"system": ROUTE_SYSTEM, "code": decision.route}],
        "text": decision.advice.title,
    }


def patient_message(
    nhs_number: str, text: str, answers: list[str], sent: datetime, form: str
) -> JsonObject:
    """What the patient sent, in their own words and answers (kept whatever the route),
    identified by the form it came from (a form sent twice is one request)."""
    payload = [{"contentString": text}] if text else []
    payload += [{"contentString": f"Answered yes: {code}"} for code in answers]
    return {
        "resourceType": "Communication",
        "identifier": [{"system": FORM_SYSTEM, "value": form}],
        "status": "completed",
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": "patient-request"}]}],
        "subject": patient_reference(nhs_number),
        "sender": patient_reference(nhs_number),
        "sent": sent.isoformat(),
        "payload": payload or [{"contentString": "(no description given)"}],
    }


def routed_request(nhs_number: str, message: str, decision: Decision, at: datetime) -> JsonObject:
    """Where the request went, why, and by which rule (priority stat for a red flag)."""
    return {
        "resourceType": "CommunicationRequest",
        "status": "active",
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": "patient-request"}]}],
        "priority": "stat" if decision.red_flag else "routine",
        "subject": patient_reference(nhs_number),
        "about": [{"reference": message}],
        "payload": [{"contentString": decision.explanation}],
        "authoredOn": at.isoformat(),
        "recipient": [
            {
                "identifier": {"system": f"{FRONT_DOOR}/service", "value": decision.service.key},
                "display": decision.service.name,
            }
        ],
        "reasonCode": [
            _route_concept(decision),
            {
                "coding": [
                    {
                        "system": RULE_SYSTEM,
                        "code": decision.rule.id,
                        "version": decision.rule.version,
                    }
                ]
            },
        ],
    }


def callback_task(
    nhs_number: str,
    request: str,
    decision: Decision,
    at: datetime,
    owner: str,
    coordinator: str | None,
    contact: tuple[str, str] = ("", ""),
) -> JsonObject:
    """The duty clinician's urgent callback for a red flag (the named co-ordinator told),
    with the patient's name and the phone number they gave, so the clinician can call."""
    name, phone = contact
    flags = ", ".join(decision.flag_ids) or decision.rule.id
    task: JsonObject = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "priority": "stat",
        "code": {"coding": [{"system": TASK_CODE_SYSTEM, "code": "red-flag-callback"}]},
        "description": f"Red flag disclosed at the front door ({flags}): call the patient back "
        "now and record the callback.",
        "focus": {"reference": request},
        "for": {**patient_reference(nhs_number), **({"display": name} if name else {})},
        "authoredOn": at.isoformat(),
        "owner": {"reference": owner},
    }
    if phone:
        task["input"] = [{"type": {"text": CALL_ON}, "valueString": phone}]
    if coordinator:
        task["restriction"] = {"recipient": [{"reference": coordinator}]}
    return task


def thread_message(
    nhs_number: str, request: str, text: str, staff: str | None, sent: datetime
) -> JsonObject:
    """A message on a request's thread, from the patient (`staff` None: `UNREAD` until
    their team reads it) or a named member of their team (shown to the patient as `staff`)."""
    sender = patient_reference(nhs_number) if staff is None else {"display": staff}
    return {
        "resourceType": "Communication",
        "status": UNREAD if staff is None else "completed",
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": "request-message"}]}],
        "basedOn": [{"reference": request}],
        "subject": patient_reference(nhs_number),
        "sender": sender,
        "sent": sent.isoformat(),
        "payload": [{"contentString": text}],
    }


def chase_task(
    code: str,
    priority: str,
    nhs_number: str,
    chased: str,
    request: str,
    level: int,
    at: datetime,
    owner: str,
    coordinator: str | None,
    practice: str | None,
) -> JsonObject:
    """Step `level` of chasing `chased`: 1 the duty clinician (`owner`, the co-ordinator
    told), 2 the patient's practice (by ODS code; unnamed when not registered here)."""
    whom = "the duty clinician and the care co-ordinator" if level == 1 else "the practice"
    task: JsonObject = {
        "resourceType": "Task",
        "identifier": [{"system": CHASE_SYSTEM, "value": f"{chased}/{level}"}],
        "status": "requested",
        "intent": "order",
        "priority": priority,
        "code": {"coding": [{"system": TASK_CODE_SYSTEM, "code": code}]},
        "description": f"{_CHASED[code]}: escalated to {whom}. Act now and record it.",
        "focus": {"reference": request},
        "partOf": [{"reference": chased}] if chased.startswith("Task/") else [],
        "for": patient_reference(nhs_number),
        "authoredOn": at.isoformat(),
        "owner": {"reference": owner},
    }
    if level == 2:
        named = {"identifier": {"system": ODS_SYSTEM, "value": practice}} if practice else {}
        task["owner"] = {**named, "display": "The patient's registered practice"}
    elif coordinator:
        task["restriction"] = {"recipient": [{"reference": coordinator}]}
    if not task["partOf"]:
        del task["partOf"]
    return task
