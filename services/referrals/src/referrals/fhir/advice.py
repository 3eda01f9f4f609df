"""The FHIR of advice lines: rota hours, ringing order, the call record, who to ring.

An advice line is a HealthcareService (type advice-line) with its hours in
`availableTime`; its on-call specialists are PractitionerRoles with their own hours
and a ringing-order extension. A recorded call is a Communication (medium phone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM
from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.store.repository import StoredResource
from referrals.domain import vocabulary as v
from referrals.domain.rota import Window
from referrals.fhir.shapes import concept, instant

_LAST = 99
"""Where a specialist with no ringing order is rung: after everyone who has one."""


@dataclass(frozen=True, slots=True)
class AdviceLine:
    """An open line and its on-call specialists in the order to ring them."""

    service: StoredResource
    on_call: list[StoredResource]


@dataclass(frozen=True, slots=True)
class CallRecord:
    """A paramedic's advice-line call as `$record-advice-call` receives it."""

    line_id: str
    nhs_number: str
    outcome: str
    note: str | None
    follow_up: bool
    locality: str | None


def windows(resource: JsonObject) -> tuple[Window, ...]:
    """FHIR `availableTime` as rota windows."""
    found = []
    for slot in resource.get("availableTime", []):
        start, end = slot.get("availableStartTime"), slot.get("availableEndTime")
        found.append(
            Window(
                frozenset(slot.get("daysOfWeek", [])),
                datetime.strptime(start, "%H:%M:%S").time() if start else None,
                datetime.strptime(end, "%H:%M:%S").time() if end else None,
                bool(slot.get("allDay")),
            )
        )
    return tuple(found)


def ringing_rank(role: JsonObject) -> int:
    for extension in role.get("extension", []):
        if extension.get("url") == v.RINGING_ORDER:
            return int(extension.get("valuePositiveInt", _LAST))
    return _LAST


def call_communication(
    call: CallRecord, line: StoredResource, paramedic: str, now: datetime
) -> JsonObject:
    body: JsonObject = {
        "resourceType": "Communication",
        "status": "completed",
        "category": [concept(v.COMMUNICATION_CATEGORY, v.ADVICE_CALL)],
        "medium": [concept(v.PHONE_MODE, "PHONE")],
        "subject": {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": call.nhs_number}},
        "recipient": [{"reference": line.reference}],
        "sender": {"display": f"Paramedic {paramedic[:64]}"},
        "sent": instant(now),
        "extension": [
            {"url": v.ADVICE_CALL_OUTCOME, "valueCode": call.outcome},
            {"url": v.FOLLOW_UP_NEEDED, "valueBoolean": call.follow_up},
        ],
    }
    if call.note:
        body["payload"] = [{"contentString": call.note}]
    return body


def _phones(resource: JsonObject) -> list[str]:
    return [
        str(t["value"])
        for t in resource.get("telecom", [])
        if t.get("system") == "phone" and t.get("value")
    ]


def _on_call(order: int, role: StoredResource) -> dict[str, Any]:
    body = role.as_json()
    contact = [str(t["value"]) for t in body.get("telecom", []) if t.get("value")][:1]
    who = {
        "reference": role.reference,
        "display": (body.get("practitioner") or {}).get("display", ""),
    }
    return {"order": order, "practitionerRole": who, "phone": contact[0] if contact else None}


def line_parts(line: AdviceLine) -> dict[str, Any]:
    """One `$advice-lines` line: the service, its phones, who is on call in ringing order."""
    return {
        "service": {"reference": line.service.reference},
        "phone": _phones(line.service.as_json()),
        "onCall": [_on_call(order, role) for order, role in enumerate(line.on_call, start=1)],
    }
