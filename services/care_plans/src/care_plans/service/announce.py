"""Events this service announces, written to the outbox in the caller's transaction.

One helper so every event carries the same source, subject and key (the patient's
NHS number: per-patient ordering, ARCHITECTURE.md "Per-patient ordering").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.events import announce as announce_patient_event

SOURCE = "urn:carecoord:care-plans"
COHORT_CHANGED = "carecoord.patient.cohort-changed.v1"
COORDINATOR_ASSIGNED = "carecoord.coordinator.assigned.v1"
COORDINATOR_ENDED = "carecoord.coordinator.ended.v1"
PLAN_REVISED = "carecoord.careplan.revised.v1"
REVIEW_DUE = "carecoord.careplan.review-due.v1"
ACTIVITY_ADDED = "carecoord.careplan.activity-added.v1"


async def announce(
    conn: AsyncConnection,
    topic: str,
    event_type: str,
    *,
    subject: str,
    nhs_number: str,
    data: dict[str, Any],
) -> None:
    await announce_patient_event(
        conn, topic, event_type, source=SOURCE, subject=subject, nhs_number=nhs_number, data=data
    )
