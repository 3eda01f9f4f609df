"""Reading and writing triage cases, transitions and UBRNs (the service's own tables).

Every function runs on the caller's connection, inside the caller's transaction, so a
case row moves together with the FHIR resources and outbox events of the same change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from referrals.domain.triage import TriageState
from referrals.domain.ubrn import UbrnKind, new_ubrn
from referrals.store.tables import triage_case, triage_transition, ubrn

__all__ = [
    "Transition",
    "TriageCase",
    "case_for_request",
    "cases_due",
    "mark",
    "open_case",
    "record_transition",
    "reserve_ubrn",
    "responded_cases",
    "transitions_of",
]


@dataclass(slots=True)
class TriageCase:
    task: str
    service_request: str
    ubrn: str
    nhs_number: str
    service: str
    requester_ods: str
    priority: str
    target_days: int
    state: TriageState
    submitted_at: datetime
    due_at: datetime
    paused_at: datetime | None = None
    responded_at: datetime | None = None
    imminent_raised_at: datetime | None = None
    breached_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    service_request: str
    task: str
    outcome: str
    from_state: str
    to_state: str
    actor: str
    actor_role: str
    actor_organisation: str | None
    reason: str | None
    at: datetime


def _case(row: Any) -> TriageCase:
    values = {f.name: getattr(row, f.name) for f in fields(TriageCase)}
    values["state"] = TriageState(values["state"])
    return TriageCase(**values)


async def reserve_ubrn(conn: AsyncConnection, kind: UbrnKind) -> str:
    """A UBRN no one else has (the primary key decides; a clash draws again)."""
    while True:
        value = new_ubrn(kind)
        taken = await conn.scalar(
            insert(ubrn)
            .values(value=value, service_request="")
            .on_conflict_do_nothing()
            .returning(ubrn.c.value)
        )
        if taken is not None:
            return value


async def bind_ubrn(conn: AsyncConnection, value: str, service_request: str) -> None:
    await conn.execute(
        sa.update(ubrn).where(ubrn.c.value == value).values(service_request=service_request)
    )


async def open_case(conn: AsyncConnection, case: TriageCase) -> None:
    values = {f.name: getattr(case, f.name) for f in fields(TriageCase)}
    values["state"] = case.state.value
    await conn.execute(sa.insert(triage_case).values(**values))


async def case_for_request(
    conn: AsyncConnection, service_request: str, *, lock: bool = False
) -> TriageCase | None:
    """The request's current case: the newest (a redirection opens a new one)."""
    query = (
        sa.select(triage_case)
        .where(triage_case.c.service_request == service_request)
        .order_by(
            (triage_case.c.state == TriageState.REDIRECTED.value).asc(),
            triage_case.c.submitted_at.desc(),
        )
        .limit(1)
    )
    if lock:
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    return _case(row) if row else None


async def mark(conn: AsyncConnection, task: str, **values: Any) -> None:
    """Change columns of one case (`state` may be given as a TriageState)."""
    if isinstance(values.get("state"), TriageState):
        values["state"] = values["state"].value
    await conn.execute(sa.update(triage_case).where(triage_case.c.task == task).values(**values))


async def record_transition(conn: AsyncConnection, transition: Transition) -> None:
    values = {f.name: getattr(transition, f.name) for f in fields(Transition)}
    await conn.execute(sa.insert(triage_transition).values(**values))


async def transitions_of(conn: AsyncConnection, service_request: str) -> list[Transition]:
    rows = await conn.execute(
        sa.select(triage_transition)
        .where(triage_transition.c.service_request == service_request)
        .order_by(triage_transition.c.id)
    )
    return [Transition(**{f.name: getattr(r, f.name) for f in fields(Transition)}) for r in rows]


async def cases_due(
    conn: AsyncConnection, *, column: str, before: datetime, limit: int = 100
) -> list[TriageCase]:
    """Running cases whose `column` flag is unset and whose due date is before `before`,
    locked and skipped by any other worker doing the same scan."""
    flag = triage_case.c[column]
    rows = await conn.execute(
        sa.select(triage_case)
        .where(
            triage_case.c.state == TriageState.AWAITING_TRIAGE.value,
            flag.is_(None),
            triage_case.c.due_at < before,
        )
        .order_by(triage_case.c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [_case(r) for r in rows]


async def responded_cases(conn: AsyncConnection, service: str) -> Sequence[TriageCase]:
    rows = await conn.execute(
        sa.select(triage_case).where(
            triage_case.c.service == service, triage_case.c.responded_at.is_not(None)
        )
    )
    return [_case(r) for r in rows]
