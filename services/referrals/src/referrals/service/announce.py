"""The events the referrals service announces beyond the generic ServiceRequest changes.

Each function writes one event into the outbox on the caller's connection, so it
commits exactly when the change it announces does (docs/EVENTS.md is the contract:
types, keys by NHS number, data fields).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.events import announce as announce_patient_event
from referrals.service.shapes import instant

SOURCE = "urn:carecoord:referrals"
ROUTED = "carecoord.referral.routed.v1"
TRIAGED = "carecoord.referral.triaged.v1"
CONVERTED = "carecoord.referral.converted.v1"
MESSAGE_ADDED = "carecoord.referral.message-added.v1"
BREACH_IMMINENT = "carecoord.referral.breach-imminent.v1"
BREACHED = "carecoord.referral.breached.v1"


async def announce(
    conn: AsyncConnection,
    topic: str,
    event_type: str,
    subject: str,
    nhs_number: str,
    data: dict[str, Any],
) -> None:
    await announce_patient_event(
        conn, topic, event_type, source=SOURCE, subject=subject, nhs_number=nhs_number, data=data
    )


async def routed(
    conn: AsyncConnection,
    topic: str,
    *,
    request: str,
    ubrn: str,
    nhs_number: str,
    service: str,
    task: str,
    due: datetime,
) -> None:
    data = {
        "serviceRequest": request,
        "ubrn": ubrn,
        "service": service,
        "task": task,
        "dueBy": instant(due),
    }
    await announce(conn, topic, ROUTED, request, nhs_number, data)
