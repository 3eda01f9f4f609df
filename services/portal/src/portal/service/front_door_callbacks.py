"""The duty clinician's red-flag callbacks: the open ones, and recording each callback.

A red flag disclosed at the front door leaves a Task (priority `stat`, code
`red-flag-callback`) for the practice's duty clinician (`front_door_requests`). The
duty clinician sees the open ones for the patients they may see (the kernel's
relationship check) and records each callback: who they reached and what they did. A
call that reached the patient completes the Task; one that did not keeps it open and
on the list, with the attempt noted. Each change is a new version of the Task, made
with the version the clinician read (a colleague's callback recorded meanwhile is a
conflict, never overwritten).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.security.principal import Principal
from carecoord_shared.store.repository import StoredResource
from portal.fhir.front_door import CALL_ON, TASK_CODE_SYSTEM, body_of, patient_of
from portal.service.front_door_chasers import CALLBACK, close_chases

__all__ = ["OUTCOMES", "Callback", "NotACallback", "open_callbacks", "record_callback"]

CALLBACK_CODE = f"{TASK_CODE_SYSTEM}|red-flag-callback"
Outcome = Literal["reached", "no-answer"]
OUTCOMES: dict[Outcome, str] = {
    "reached": "Spoke to the patient",
    "no-answer": "No answer: try again",
}


class NotACallback(LookupError):
    """The Task is not an open red-flag callback this person may see."""


@dataclass(frozen=True, slots=True)
class Callback:
    id: str
    version: int
    nhs_number: str
    name: str
    """The patient's name as they signed in ("" when not known)."""
    phone: str
    """The number the patient gave for a callback ("" when they gave none)."""
    description: str
    authored_on: str
    status: str
    attempts: tuple[str, ...]


def _phone(body: dict[str, Any]) -> str:
    given = [i for i in body.get("input", []) if i.get("type", {}).get("text") == CALL_ON]
    return str(given[0].get("valueString", "")) if given else ""


def _callback(stored: StoredResource) -> Callback:
    body = body_of(stored)
    return Callback(
        stored.id,
        stored.version_id,
        patient_of(body, "for"),
        str(body["for"].get("display", "")),
        _phone(body),
        str(body.get("description", "")),
        str(body.get("authoredOn", "")),
        str(body.get("status", "")),
        tuple(str(note.get("text", "")) for note in body.get("note", [])),
    )


async def open_callbacks(fhir: FhirInteractions, clinician: Principal) -> list[Callback]:
    """Open red-flag callbacks of the patients `clinician` may see, oldest first."""
    found = await fhir.search(
        clinician,
        "Task",
        [("code", CALLBACK_CODE), ("status", "requested,in-progress"), ("_count", "100")],
        strict=True,
    )
    return sorted((_callback(s) for s in found.result.matches), key=lambda c: c.authored_on)


async def record_callback(
    fhir: FhirInteractions,
    clinician: Principal,
    task_id: str,
    version: int,
    outcome: Outcome,
    note: str,
    now: datetime,
) -> Callback:
    """Record one callback on the Task read at `version` (409 when it changed since)."""
    async with fhir.transaction(clinician) as tx:
        stored = await tx.read("Task", task_id)
        body = body_of(stored)
        codes = [c.get("code") for c in body.get("code", {}).get("coding", [])]
        if "red-flag-callback" not in codes or body.get("status") not in OPEN:
            raise NotACallback(task_id)
        said = f"{now:%d %b %Y %H:%M} {OUTCOMES[outcome]}" + (f": {note}" if note else "")
        body["note"] = [*body.get("note", []), {"time": now.isoformat(), "text": said}]
        body["status"] = "completed" if outcome == "reached" else "in-progress"
        body["lastModified"] = now.isoformat()
        if outcome == "reached":
            body["executionPeriod"] = {"end": now.isoformat()}
            await close_chases(tx, CALLBACK, str(body["focus"]["reference"]), now)
        updated, _ = await tx.update("Task", task_id, body, if_match=version)
    return _callback(updated)


OPEN = ("requested", "in-progress")
