"""Triage cases and their transitions: the response clock's own tables.

A repository on the unit of work's connection, so a case row moves together with
the FHIR resources and outbox events of the same change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from carecoord_shared.ports import Repository
from referrals.domain.records import Transition, TriageCase
from referrals.domain.triage import TriageState
from referrals.store.rows import record_of, values_of
from referrals.store.tables import triage_case, triage_transition

__all__ = ["TriageCases"]

ALARMS = ("imminent_raised_at", "breached_at")
"""The flags a breach scan sets once (each alarm is raised exactly once)."""


class TriageCases(Repository):
    async def open(self, case: TriageCase) -> None:
        await self._conn.execute(sa.insert(triage_case).values(**values_of(case)))

    async def for_request(self, service_request: str, *, lock: bool = False) -> TriageCase | None:
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
        row = (await self._conn.execute(query)).first()
        return record_of(TriageCase, row) if row else None

    async def mark(self, task: str, **values: Any) -> None:
        """Change columns of one case (`state` may be given as a TriageState)."""
        if isinstance(values.get("state"), TriageState):
            values["state"] = values["state"].value
        await self._conn.execute(
            sa.update(triage_case).where(triage_case.c.task == task).values(**values)
        )

    async def due(self, *, alarm: str, before: datetime, limit: int = 100) -> list[TriageCase]:
        """Cases awaiting triage whose `alarm` is unraised and whose due date is before
        `before`, locked and skipped by any other worker doing the same scan."""
        if alarm not in ALARMS:
            raise ValueError(f"unknown alarm {alarm!r}")
        rows = await self._conn.execute(
            sa.select(triage_case)
            .where(
                triage_case.c.state == TriageState.AWAITING_TRIAGE.value,
                triage_case.c[alarm].is_(None),
                triage_case.c.due_at < before,
            )
            .order_by(triage_case.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [record_of(TriageCase, r) for r in rows]

    async def responded(self, service: str) -> list[TriageCase]:
        """The service's cases it has given its response to."""
        rows = await self._conn.execute(
            sa.select(triage_case)
            .where(triage_case.c.service == service, triage_case.c.responded_at.is_not(None))
            .order_by(triage_case.c.submitted_at)
        )
        return [record_of(TriageCase, r) for r in rows]

    async def record(self, transition: Transition) -> None:
        await self._conn.execute(sa.insert(triage_transition).values(**values_of(transition)))

    async def transitions(self, service_request: str) -> list[Transition]:
        """Every transition of the request, oldest first."""
        rows = await self._conn.execute(
            sa.select(triage_transition)
            .where(triage_transition.c.service_request == service_request)
            .order_by(triage_transition.c.id)
        )
        return [record_of(Transition, r) for r in rows]
