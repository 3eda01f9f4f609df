"""Reads and writes of the register's read model and of stored resources by patient.

The resource store is the kernel's; this module only reads it (by patient and type)
for rules that need every Condition or plan of one patient inside a write.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from care_plans.store.tables import patient_register, referral_activity
from carecoord_shared.store.tables import resource


async def resources_of(
    conn: AsyncConnection, resource_type: str, patient_nhs: str
) -> list[dict[str, Any]]:
    rows = await conn.execute(
        sa.select(resource.c.content).where(
            resource.c.resource_type == resource_type,
            resource.c.patient_nhs == patient_nhs,
            resource.c.deleted.is_(False),
        )
    )
    return [orjson.loads(content) for (content,) in rows if content]


async def recent_requests(conn: AsyncConnection, patient_nhs: str, today: date) -> int:
    since = today - timedelta(days=365)
    count = await conn.scalar(
        sa.select(sa.func.count())
        .select_from(referral_activity)
        .where(
            referral_activity.c.nhs_number == patient_nhs,
            sa.func.date(referral_activity.c.updated_at) > since,
        )
    )
    return int(count or 0)


async def upsert_patient(
    conn: AsyncConnection,
    nhs_number: str,
    patient_id: str,
    practice: str | None,
    locality: str | None,
    birth_date: date | None,
) -> None:
    values = {
        "nhs_number": nhs_number,
        "patient_id": patient_id,
        "practice": practice,
        "locality": locality,
        "birth_date": birth_date,
    }
    statement = insert(patient_register).values(**values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[patient_register.c.nhs_number],
            set_={k: statement.excluded[k] for k in values if k != "nhs_number"},
        )
    )


async def remove_patient(conn: AsyncConnection, nhs_number: str) -> None:
    await conn.execute(
        sa.delete(patient_register).where(patient_register.c.nhs_number == nhs_number)
    )


async def register_entry(conn: AsyncConnection, nhs_number: str) -> Any:
    query = sa.select(patient_register).where(patient_register.c.nhs_number == nhs_number)
    return (await conn.execute(query.with_for_update())).first()


async def save_stratification(
    conn: AsyncConnection, nhs_number: str, cohorts: Sequence[str], score: int, six_monthly: bool
) -> None:
    await conn.execute(
        sa.update(patient_register)
        .where(patient_register.c.nhs_number == nhs_number)
        .values(cohorts=list(cohorts), risk_score=score, six_monthly_review=six_monthly)
    )
