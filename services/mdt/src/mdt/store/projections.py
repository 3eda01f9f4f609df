"""What the mdt service keeps of other services' events: the patient's practice, risk,
cohorts and plan review date, and their recent referrals and advice calls.

Rules, ordering (risk) and the preparation checklist read these rows, so the MDT
keeps working when care plans or referrals are down.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from mdt.store.tables import mdt_activity, mdt_patient


async def update_patient(conn: AsyncConnection, patient_nhs: str, **values: Any) -> None:
    statement = insert(mdt_patient).values(patient_nhs=patient_nhs, **values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[mdt_patient.c.patient_nhs],
            set_={k: statement.excluded[k] for k in values},
        )
    )


async def record_activity(
    conn: AsyncConnection, reference: str, patient_nhs: str, kind: str, at: datetime
) -> None:
    await conn.execute(
        insert(mdt_activity)
        .values(reference=reference, patient_nhs=patient_nhs, kind=kind, occurred_at=at)
        .on_conflict_do_nothing()
    )


def parse_day(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def parse_instant(value: object) -> datetime | None:
    """An event's dateTime with a zone, or None (a date alone is the start of that day, UTC)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
