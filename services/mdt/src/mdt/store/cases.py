"""Cases and actions: the queue a case list is cut from, and the actions to follow up.

The partial unique index `uq_mdt_case_open_patient` is what guarantees one open case
per patient per MDT, whatever the interleaving of nominations and rule events; the
service looks for the open case under a row lock first, so the index only ever
settles a true race (answered 409 by the kernel's unit of work).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mdt.domain.model import WAITING_STATES, CaseId, QueuedCase, Urgency
from mdt.store.tables import mdt_action, mdt_activity, mdt_case, mdt_meeting, mdt_patient


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: str
    mdt_id: str
    patient_nhs: str
    meeting_id: str | None
    state: str
    open: bool
    urgency: str
    risk: float
    for_discussion: bool
    listed_at: datetime
    nominators: tuple[str, ...]
    sources: tuple[dict[str, Any], ...]

    def queued(self) -> QueuedCase:
        return QueuedCase(CaseId(self.id), cast(Urgency, self.urgency), self.risk, self.listed_at)


def _case(row: Any) -> CaseRow:
    m = row._mapping
    return CaseRow(
        m["id"],
        m["mdt_id"],
        m["patient_nhs"],
        m["meeting_id"],
        m["state"],
        m["open"],
        m["urgency"],
        m["risk"],
        m["for_discussion"],
        m["listed_at"],
        tuple(m["nominators"]),
        tuple(m["sources"]),
    )


async def open_case(conn: AsyncConnection, mdt_id: str, patient_nhs: str) -> CaseRow | None:
    query = (
        sa.select(mdt_case)
        .where(mdt_case.c.mdt_id == mdt_id, mdt_case.c.patient_nhs == patient_nhs, mdt_case.c.open)
        .with_for_update()
    )
    row = (await conn.execute(query)).first()
    return _case(row) if row else None


async def case(conn: AsyncConnection, case_id: str, *, lock: bool = False) -> CaseRow | None:
    query = sa.select(mdt_case).where(mdt_case.c.id == case_id)
    if lock:
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    return _case(row) if row else None


async def insert_case(conn: AsyncConnection, row: CaseRow) -> None:
    await conn.execute(
        sa.insert(mdt_case).values(
            id=row.id,
            mdt_id=row.mdt_id,
            patient_nhs=row.patient_nhs,
            meeting_id=row.meeting_id,
            state=row.state,
            open=row.open,
            urgency=row.urgency,
            risk=row.risk,
            for_discussion=row.for_discussion,
            listed_at=row.listed_at,
            nominators=list(row.nominators),
            sources=list(row.sources),
        )
    )


async def update_case(conn: AsyncConnection, case_id: str, **values: Any) -> None:
    await conn.execute(sa.update(mdt_case).where(mdt_case.c.id == case_id).values(**values))


async def waiting_for(
    conn: AsyncConnection, mdt_id: str, meeting_id: str, starts_at: datetime
) -> list[CaseRow]:
    """Open cases that belong on this meeting's list: unassigned, assigned to it, or left
    over from an earlier meeting. Locked, so two assemblies cannot interleave."""
    earlier = sa.select(mdt_meeting.c.id).where(
        mdt_meeting.c.mdt_id == mdt_id, mdt_meeting.c.starts_at < starts_at
    )
    query = (
        sa.select(mdt_case)
        .where(
            mdt_case.c.mdt_id == mdt_id,
            mdt_case.c.open,
            mdt_case.c.state.in_(sorted(WAITING_STATES)),
            sa.or_(
                mdt_case.c.meeting_id.is_(None),
                mdt_case.c.meeting_id == meeting_id,
                mdt_case.c.meeting_id.in_(earlier),
            ),
        )
        .order_by(mdt_case.c.id)
        .with_for_update()
    )
    return [_case(r) for r in await conn.execute(query)]


async def on_meeting(conn: AsyncConnection, meeting_id: str) -> list[CaseRow]:
    query = sa.select(mdt_case).where(mdt_case.c.meeting_id == meeting_id).order_by(mdt_case.c.id)
    return [_case(r) for r in await conn.execute(query)]


async def refresh_risk(conn: AsyncConnection, patient_nhs: str, risk: float) -> None:
    """A new risk score from risk stratification re-orders the patient's open cases."""
    await conn.execute(
        sa.update(mdt_case)
        .where(mdt_case.c.patient_nhs == patient_nhs, mdt_case.c.open)
        .values(risk=risk)
    )


async def open_cases_of_team(conn: AsyncConnection, mdt_id: str) -> list[str]:
    rows = await conn.execute(
        sa.select(mdt_case.c.patient_nhs).where(mdt_case.c.mdt_id == mdt_id, mdt_case.c.open)
    )
    return [r.patient_nhs for r in rows]


async def add_action(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(sa.insert(mdt_action).values(**values))


async def action(conn: AsyncConnection, action_id: str, *, lock: bool = False) -> Any:
    query = sa.select(mdt_action).where(mdt_action.c.id == action_id)
    if lock:
        query = query.with_for_update()
    return (await conn.execute(query)).first()


async def update_action(conn: AsyncConnection, action_id: str, **values: Any) -> None:
    await conn.execute(sa.update(mdt_action).where(mdt_action.c.id == action_id).values(**values))


async def overdue_actions(conn: AsyncConnection, today: date, limit: int = 100) -> Sequence[Any]:
    """Actions past due, neither done nor (if they need it) acknowledged, not yet escalated.
    Skips rows another worker holds, so two workers never escalate one action twice."""
    query = (
        sa.select(mdt_action)
        .where(
            mdt_action.c.overdue_at.is_(None),
            mdt_action.c.due_on < today,
            mdt_action.c.state.in_(("assigned", "acknowledged")),
            sa.or_(
                mdt_action.c.state == "assigned",
                sa.not_(mdt_action.c.needs_acknowledgement),
            ),
        )
        .order_by(mdt_action.c.due_on, mdt_action.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await conn.execute(query)).all())


async def patient(conn: AsyncConnection, patient_nhs: str) -> Any:
    query = sa.select(mdt_patient).where(mdt_patient.c.patient_nhs == patient_nhs)
    return (await conn.execute(query)).first()


async def recent_activity(
    conn: AsyncConnection, patient_nhs: str, since: datetime, kind: str | None = None
) -> list[str]:
    query = sa.select(mdt_activity.c.reference).where(
        mdt_activity.c.patient_nhs == patient_nhs, mdt_activity.c.occurred_at >= since
    )
    if kind is not None:
        query = query.where(mdt_activity.c.kind == kind)
    rows = await conn.execute(query.order_by(mdt_activity.c.occurred_at, mdt_activity.c.reference))
    return [r.reference for r in rows]


async def patients(conn: AsyncConnection, numbers: Sequence[str]) -> dict[str, Any]:
    """The projection rows of several patients at once (for a whole case list)."""
    query = sa.select(mdt_patient).where(mdt_patient.c.patient_nhs.in_(sorted(set(numbers))))
    return {row.patient_nhs: row for row in await conn.execute(query)}


async def activity_of(
    conn: AsyncConnection, numbers: Sequence[str], since: datetime
) -> dict[str, list[str]]:
    """Recent referrals and advice calls of several patients at once."""
    query = sa.select(mdt_activity.c.patient_nhs, mdt_activity.c.reference).where(
        mdt_activity.c.patient_nhs.in_(sorted(set(numbers))), mdt_activity.c.occurred_at >= since
    )
    found: dict[str, list[str]] = {}
    for row in await conn.execute(query):
        found.setdefault(row.patient_nhs, []).append(row.reference)
    return found
