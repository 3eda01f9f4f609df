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

from care_plans.domain.coordination import (
    Assignment,
    AssignmentId,
    AssignmentRecord,
    Coordination,
    Coordinator,
)
from care_plans.store.tables import care_coordination, coordinator_assignment
from carecoord_shared.ports import Repository

rows = coordinator_assignment.c


def in_force(at: Any) -> ColumnElement[bool]:
    return sa.and_(
        rows.period_start <= at,
        sa.or_(rows.period_end.is_(None), rows.period_end > at),
        sa.or_(rows.ended_at.is_(None), rows.ended_at > at),
    )


def record_of(row: Any) -> AssignmentRecord:
    return AssignmentRecord(
        id=AssignmentId(int(row.id)),
        patient_nhs=row.patient_nhs,
        patient_id=row.patient_id,
        kind=row.kind,
        cover=row.cover,
        coordinator=Coordinator(row.coordinator_ref, row.display, row.sds_user_id, row.phone),
        period_start=row.period_start,
        period_end=row.period_end,
        reason=row.reason,
        ended_at=row.ended_at,
        ended_reason=row.ended_reason,
    )


class AssignmentRepository(Repository):
    """Who co-ordinates each patient, and since when; and their CareTeam/EpisodeOfCare ids."""

    async def running(self, patient_nhs: str, cover: bool) -> AssignmentRecord | None:
        """The running co-ordinator (or cover), locked until the unit of work ends."""
        query = sa.select(coordinator_assignment).where(
            rows.patient_nhs == patient_nhs, rows.cover.is_(cover), rows.ended_at.is_(None)
        )
        row = (await self._conn.execute(query.with_for_update())).first()
        return None if row is None else record_of(row)

    async def holds_running(self, patient_nhs: str, sds_user_id: str) -> bool:
        found = await self._conn.scalar(
            sa.select(rows.id).where(
                rows.patient_nhs == patient_nhs,
                rows.sds_user_id == sds_user_id,
                rows.ended_at.is_(None),
            )
        )
        return found is not None

    async def end(self, assignment_id: AssignmentId, at: datetime, reason: str) -> None:
        await self._conn.execute(
            sa.update(coordinator_assignment)
            .where(rows.id == assignment_id)
            .values(ended_at=at, ended_reason=reason)
        )

    async def add(self, patient_nhs: str, patient_id: str, assignment: Assignment) -> AssignmentId:
        who = assignment.coordinator
        new_id = await self._conn.scalar(
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

    async def history(self, patient_nhs: str) -> list[AssignmentRecord]:
        """Every assignment of the patient, oldest first."""
        query = sa.select(coordinator_assignment).where(rows.patient_nhs == patient_nhs)
        return [record_of(row) for row in await self._conn.execute(query.order_by(rows.id))]

    async def lapsed(self, now: datetime, limit: int = 200) -> list[AssignmentRecord]:
        """Running assignments whose period has ended by itself (cover, mostly), claimed
        with SKIP LOCKED so two workers never end the same one."""
        query = (
            sa.select(coordinator_assignment)
            .where(rows.ended_at.is_(None), rows.period_end <= now)
            .order_by(rows.patient_nhs, rows.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [record_of(row) for row in await self._conn.execute(query)]

    async def coordination_of(self, patient_nhs: str) -> Coordination | None:
        table = care_coordination.c
        query = sa.select(table.care_team_id, table.episode_id).where(
            table.patient_nhs == patient_nhs
        )
        row = (await self._conn.execute(query)).first()
        return None if row is None else Coordination(row.care_team_id, row.episode_id)

    async def remember_coordination(self, patient_nhs: str, coordination: Coordination) -> None:
        await self._conn.execute(
            sa.insert(care_coordination).values(
                patient_nhs=patient_nhs,
                care_team_id=coordination.care_team_id,
                episode_id=coordination.episode_id,
            )
        )
