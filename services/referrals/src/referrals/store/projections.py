"""The care plans projections: named co-ordinators and care plan summaries per patient.

Written by the worker from care_plans' events (in the consumer's transaction, beside
the inbox row) and read by the paramedic summary, which therefore never calls
care_plans. A version guard keeps an older plan from overwriting a newer one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from referrals.store.tables import care_plan, coordinator


async def assign_coordinator(conn: AsyncConnection, values: dict[str, Any]) -> None:
    statement = insert(coordinator).values(**values, ended=False)
    keys = ("nhs_number", "care_team", "kind")
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={k: statement.excluded[k] for k in (*values, "ended") if k not in keys},
        )
    )


async def end_coordinator(
    conn: AsyncConnection, nhs_number: str, care_team: str, kind: str, at: datetime
) -> None:
    await conn.execute(
        sa.update(coordinator)
        .where(
            coordinator.c.nhs_number == nhs_number,
            coordinator.c.care_team == care_team,
            coordinator.c.kind == kind,
        )
        .values(ended=True, updated_at=at)
    )


async def revise_care_plan(conn: AsyncConnection, values: dict[str, Any]) -> None:
    statement = insert(care_plan).values(**values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[care_plan.c.care_plan],
            set_={k: statement.excluded[k] for k in values if k != "care_plan"},
            where=care_plan.c.version_id < statement.excluded.version_id,
        )
    )


async def coordinators_of(conn: AsyncConnection, nhs_number: str) -> list[Any]:
    rows = await conn.execute(
        sa.select(coordinator)
        .where(coordinator.c.nhs_number == nhs_number, coordinator.c.ended.is_(False))
        .order_by(coordinator.c.cover, coordinator.c.kind)
    )
    return list(rows)


async def care_plans_of(conn: AsyncConnection, nhs_number: str) -> list[Any]:
    rows = await conn.execute(
        sa.select(care_plan)
        .where(care_plan.c.nhs_number == nhs_number)
        .order_by(care_plan.c.updated_at.desc())
    )
    return list(rows)
