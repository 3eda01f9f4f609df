"""Co-ordinator assignments: the running one, ending, history, and time-based expiry.

An assignment is in force at time t when it has started, its period has not ended
and it has not been ended early: `in_force(t)`. Assignments with no `ended_at` are
"running"; the partial unique indexes allow one running co-ordinator and one running
cover per patient, so concurrent assigners cannot both win.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncConnection

from care_plans.domain.coordination import Assignment, AssignmentId
from care_plans.store.tables import care_coordination, coordinator_assignment

rows = coordinator_assignment.c


def in_force(at: Any) -> ColumnElement[bool]:
    return sa.and_(
        rows.period_start <= at,
        sa.or_(rows.period_end.is_(None), rows.period_end > at),
        sa.or_(rows.ended_at.is_(None), rows.ended_at > at),
    )


async def running(conn: AsyncConnection, patient_nhs: str, cover: bool) -> Any:
    query = sa.select(coordinator_assignment).where(
        rows.patient_nhs == patient_nhs, rows.cover.is_(cover), rows.ended_at.is_(None)
    )
    return (await conn.execute(query.with_for_update())).first()


async def holds_running(conn: AsyncConnection, patient_nhs: str, sds_user_id: str) -> bool:
    found = await conn.scalar(
        sa.select(rows.id).where(
            rows.patient_nhs == patient_nhs,
            rows.sds_user_id == sds_user_id,
            rows.ended_at.is_(None),
        )
    )
    return found is not None


async def end(conn: AsyncConnection, assignment_id: int, at: datetime, reason: str) -> None:
    await conn.execute(
        sa.update(coordinator_assignment)
        .where(rows.id == assignment_id)
        .values(ended_at=at, ended_reason=reason)
    )


async def add(
    conn: AsyncConnection, patient_nhs: str, patient_id: str, assignment: Assignment
) -> AssignmentId:
    who = assignment.coordinator
    new_id = await conn.scalar(
        sa.insert(coordinator_assignment)
        .values(
            patient_nhs=patient_nhs,
            patient_id=patient_id,
            kind=assignment.kind,
            cover=assignment.cover,
            coordinator_ref=who.reference,
            display=who.display,
            sds_user_id=who.sds_user_id,
            phone=who.phone,
            period_start=assignment.start,
            period_end=assignment.end,
            reason=assignment.reason,
        )
        .returning(rows.id)
    )
    return AssignmentId(int(new_id or 0))


async def history(conn: AsyncConnection, patient_nhs: str) -> list[Any]:
    query = sa.select(coordinator_assignment).where(rows.patient_nhs == patient_nhs)
    return list(await conn.execute(query.order_by(rows.id)))


async def lapsed(conn: AsyncConnection, now: datetime, limit: int = 200) -> list[Any]:
    """Running assignments whose period has ended by itself (cover, mostly)."""
    query = (
        sa.select(coordinator_assignment)
        .where(rows.ended_at.is_(None), rows.period_end <= now)
        .order_by(rows.patient_nhs)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(await conn.execute(query))


async def coordination_of(conn: AsyncConnection, patient_nhs: str) -> Any:
    query = sa.select(care_coordination).where(care_coordination.c.patient_nhs == patient_nhs)
    return (await conn.execute(query)).first()


async def remember_coordination(
    conn: AsyncConnection, patient_nhs: str, care_team_id: str, episode_id: str
) -> None:
    await conn.execute(
        sa.insert(care_coordination).values(
            patient_nhs=patient_nhs, care_team_id=care_team_id, episode_id=episode_id
        )
    )


async def team_of(conn: AsyncConnection, patient_nhs: str) -> str | None:
    known = await coordination_of(conn, patient_nhs)
    return None if known is None else f"CareTeam/{known.care_team_id}"
