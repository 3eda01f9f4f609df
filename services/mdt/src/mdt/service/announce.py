"""The facts the MDT service announces on `carecoord.mdt.v1` (docs/EVENTS.md, exactly).

Each is written to the outbox in the transaction of the change it announces, keyed by
the patient's NHS number so one patient's MDT events stay in order.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.events import announce as announce_patient_event
from carecoord_shared.fhir.outcome import JsonObject

SOURCE = "urn:carecoord:mdt"
CASE_LISTED = "carecoord.mdt.case-listed.v1"
OUTCOME_RECORDED = "carecoord.mdt.outcome-recorded.v1"
ACTION_ASSIGNED = "carecoord.mdt.action-assigned.v1"
ACTION_OVERDUE = "carecoord.mdt.action-overdue.v1"


async def announce(
    conn: AsyncConnection, topic: str, event_type: str, subject: str, nhs: str, data: JsonObject
) -> None:
    await announce_patient_event(
        conn, topic, event_type, source=SOURCE, subject=subject, nhs_number=nhs, data=data
    )


def owner_data(reference: str | None, display: str | None, organisation: str | None) -> JsonObject:
    return {"reference": reference, "display": display, "organisation": organisation}
