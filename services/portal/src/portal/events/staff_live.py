"""referrals' events that change what an open staff page shows, announced to the pages.

A triage outcome, a message, a new or revised request: each names its ServiceRequest
and the service it is for, and the portal's worker announces both (`store.live`), so a
GP's request page and a clinician's worklist update without reloading (issue 10, "Live
updates"). Only references travel; each page then re-reads what changed with its own
user's token, so nobody sees anything their token could not read.
"""

from __future__ import annotations

from typing import Any

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import Consumer
from portal.store.live import LiveNotices

__all__ = ["CONSUMERS"]

_WATCHABLE = ("ServiceRequest/", "HealthcareService/")
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
    """The request and the services an event names (`performer` is a list)."""
    found: list[str] = []
    for key in ("serviceRequest", "service", "performer"):
        value = data.get(key) if isinstance(data, dict) else None
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, str) and one.startswith(_WATCHABLE) and one not in found:
                found.append(one)
    return found


async def announce(tx: FhirTransaction, event: Event, context: Any) -> None:
    del context
    about = references(event.data)
    if about:
        await tx.repository(LiveNotices).announce(about)


CONSUMERS = tuple(
    Consumer(f"carecoord.referral.{name}.v1", lambda s: s.referrals_topic, announce, "staff-live")
    for name in _ANNOUNCED
)
