"""Reading other services' events: tolerant readers of the fields the MDT uses.

Producers own their payloads (docs/EVENTS.md); the MDT reads only what it needs and
treats a missing or malformed optional field as absent. An event about no valid
patient is rejected (dead-lettered by the kernel), since nothing here can apply it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from carecoord_shared.events import Event, RejectEvent
from carecoord_shared.fhir.identifiers import is_valid_nhs_number


def patient_of(event: Event) -> str:
    nhs = str(event.data.get("nhsNumber") or "")
    if not is_valid_nhs_number(nhs):
        raise RejectEvent("the event names no valid NHS number")
    return nhs


def coordinator_of(event: Event) -> str | None:
    """The SDS user id of a co-ordinator event's co-ordinator."""
    coordinator = event.data.get("coordinator")
    user = coordinator.get("sdsUserId") if isinstance(coordinator, dict) else None
    return str(user) if user else None


def day(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def instant(value: object) -> datetime | None:
    """An event's dateTime with a zone, or None (a date alone is the start of that day, UTC)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def text(value: object) -> str | None:
    return str(value) if value else None
