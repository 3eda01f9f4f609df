"""The care plans projections: named co-ordinators and care plan summaries per patient.

Written by the worker from care_plans' events (in the consumer's transaction, beside
the inbox row) and read by the paramedic summary, which therefore never calls
care_plans. A version guard keeps an older plan from overwriting a newer one. Both
statements are built once, executed with each call's values.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime

import sqlalchemy as sa

from carecoord_shared.ports import Repository
from carecoord_shared.store.upsert import newest_wins, upsert
from referrals.domain.records import CarePlanSummary, Coordinator
from referrals.store.rows import record_of
from referrals.store.tables import care_plan, coordinator

__all__ = ["CarePlanProjections"]

_ASSIGN = upsert(
    coordinator, ("nhs_number", "care_team", "kind"), [f.name for f in fields(Coordinator)]
)
_REVISE = newest_wins(care_plan, "care_plan", [f.name for f in fields(CarePlanSummary)])


class CarePlanProjections(Repository):
    async def assign_coordinator(self, assigned: Coordinator) -> None:
        """The patient's co-ordinator of this kind in this care team is now `assigned`."""
        await self._conn.execute(_ASSIGN, {**asdict(assigned), "ended": False})

    async def end_coordinator(
        self, nhs_number: str, care_team: str, kind: str, at: datetime
    ) -> None:
        await self._conn.execute(
            sa.update(coordinator)
            .where(
                coordinator.c.nhs_number == nhs_number,
                coordinator.c.care_team == care_team,
                coordinator.c.kind == kind,
            )
            .values(ended=True, updated_at=at)
        )

    async def revise_care_plan(self, plan: CarePlanSummary) -> None:
        """Keep `plan` unless a newer version of it is already kept."""
        await self._conn.execute(_REVISE, asdict(plan))

    async def coordinators_of(self, nhs_number: str) -> list[Coordinator]:
        """The patient's running co-ordinators, named ones before cover."""
        rows = await self._conn.execute(
            sa.select(coordinator)
            .where(coordinator.c.nhs_number == nhs_number, coordinator.c.ended.is_(False))
            .order_by(coordinator.c.cover, coordinator.c.kind)
        )
        return [record_of(Coordinator, r) for r in rows]

    async def care_plans_of(self, nhs_number: str) -> list[CarePlanSummary]:
        """The patient's care plans, most recently changed first."""
        rows = await self._conn.execute(
            sa.select(care_plan)
            .where(care_plan.c.nhs_number == nhs_number)
            .order_by(care_plan.c.updated_at.desc())
        )
        return [record_of(CarePlanSummary, r) for r in rows]
