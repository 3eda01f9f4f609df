"""referrals' and mdt's events that change what an open staff page shows, announced to
the pages.

A triage outcome, a message, a new or revised request: each names its ServiceRequest
and the service it is for, and the portal's worker announces both (`store.live`), so a
GP's request page and a clinician's worklist update without reloading (issue 10, "Live
updates"). Likewise mdt's: a case listed names its meeting and MDT, an outcome its MDT
(the meeting page), an action assigned or overdue the practice that owns it (the GP's
actions page, by ODS code). Only references travel; each page then re-reads what
changed with its own user's token, so nobody sees anything their token could not read.
A run of events is announced at once when its unit of work finishes: each reference
once, in one statement (`LiveNotices.announce`).
"""

from __future__ import annotations

from typing import Any

from carecoord_shared.events import Event
from carecoord_shared.fhir.gathering import Gathering
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import Consumer
from portal.store.live import LiveNotices

__all__ = ["CONSUMERS"]

_WATCHABLE = ("ServiceRequest/", "HealthcareService/", "Appointment/", "CareTeam/")
_MDT_ANNOUNCED = (
    "case-listed",
    "case-list-assembled",
    "outcome-recorded",
    "action-assigned",
    "action-acknowledged",
    "action-completed",
    "action-overdue",
)
_ANNOUNCED = (
    "submitted",
    "triaged",
    "message-added",
    "revised",
    "converted",
    "routed",
    "withdrawn",
)


def references(data: Any) -> list[str]:
    """The request, services, meeting and MDT an event names (`performer` is a list),
    and the practice owning an action (`Organization/` and its ODS code)."""
    if not isinstance(data, dict):
        return []
    found: list[str] = []
    for key in ("serviceRequest", "service", "performer", "meeting", "mdt"):
        value = data.get(key)
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, str) and one.startswith(_WATCHABLE) and one not in found:
                found.append(one)
    owner = data.get("owner")
    practice = owner.get("organisation") if isinstance(owner, dict) else None
    if isinstance(practice, str) and practice:
        found.append(f"Organization/{practice}")
    return found


async def _announce_run(tx: FhirTransaction, _key: None, found: list[list[str]]) -> None:
    await tx.repository(LiveNotices).announce([r for about in found for r in about])


_ANNOUNCING = Gathering("staff-live", _announce_run)


async def announce(tx: FhirTransaction, event: Event, context: Any) -> None:
    """Announced with the rest of the run when the unit of work finishes."""
    del context
    about = references(event.data)
    if about:
        tx.gather(_ANNOUNCING, None, about)


CONSUMERS = tuple(
    Consumer(f"carecoord.referral.{name}.v1", lambda s: s.referrals_topic, announce, "staff-live")
    for name in _ANNOUNCED
) + tuple(
    Consumer(f"carecoord.mdt.{name}.v1", lambda s: s.mdt_topic, announce, "staff-live")
    for name in _MDT_ANNOUNCED
)
