"""The FHIR shapes of MDT records: meetings, case lists, outcome records.

Built here from domain values so every handler writes the same shape, and the
mapping from the domain's words (urgency, case state, owner) to FHIR codes lives in
one place (`mdt.fhir.tasks` holds the case and action Tasks). Narrative text is
escaped: it is built from what clinicians typed.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM, SDS_USER_SYSTEM
from carecoord_shared.fhir.outcome import JsonObject
from mdt.domain.commands import Action
from mdt.fhir.systems import CASE_STATUS, CODES, MEETING_ID, TEAM_ID


def instant(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def coded(code: str, system: str = CODES) -> JsonObject:
    return {"coding": [{"system": system, "code": code}]}


def patient_ref(nhs: str) -> JsonObject:
    return {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs}}


def narrative(lines: Sequence[str]) -> JsonObject:
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines) or "<p>None</p>"
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def team_of_list(body: JsonObject) -> str | None:
    """The MDT a case List belongs to (from its identifier)."""
    for identifier in body.get("identifier", []):
        if identifier.get("system") == TEAM_ID:
            return str(identifier.get("value"))
    return None


def case_list(
    mdt_id: str, meeting_id: str, entries: Sequence[tuple[str, bool]], now: datetime
) -> JsonObject:
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
        "date": instant(now),
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
    mdt_id: str,
    members: Sequence[str],
    start: datetime,
    end: datetime,
    minutes: int,
    places: int,
) -> JsonObject:
    """A meeting of the MDT: its members the participants (by SDS user id), the team
    itself named in `supportingInformation` (R4 allows no CareTeam as an actor)."""
    return {
        "resourceType": "Appointment",
        "status": "booked",
        "description": "MDT meeting",
        "serviceType": [coded("mdt-meeting")],
        "start": instant(start),
        "end": instant(end),
        "minutesDuration": minutes,
        "comment": f"Room for {places} cases",
        "supportingInformation": [{"reference": f"CareTeam/{mdt_id}"}],
        "participant": [
            {"actor": _practitioner(user), "required": "required", "status": "accepted"}
            for user in members
        ],
    }


def _practitioner(user: str) -> JsonObject:
    return {"type": "Practitioner", "identifier": {"system": SDS_USER_SYSTEM, "value": user}}


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
