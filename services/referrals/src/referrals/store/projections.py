"""The care plans projections: named co-ordinators and care plan summaries per patient.

Written by the worker from care_plans' events (in the consumer's transaction, beside
the inbox row) and read by the paramedic summary, which therefore never calls
care_plans. A version guard keeps an older plan from overwriting a newer one.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from carecoord_shared.ports import Repository
from referrals.domain.records import CarePlanSummary, Coordinator
from referrals.store.rows import record_of
from referrals.store.tables import care_plan, coordinator

__all__ = ["CarePlanProjections"]

_COORDINATOR_KEY = ("nhs_number", "care_team", "kind")


class CarePlanProjections(Repository):
    async def assign_coordinator(self, assigned: Coordinator) -> None:
        """The patient's co-ordinator of this kind in this care team is now `assigned`."""
        values = {**asdict(assigned), "ended": False}
        statement = insert(coordinator).values(**values)
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=list(_COORDINATOR_KEY),
                set_={k: statement.excluded[k] for k in values if k not in _COORDINATOR_KEY},
            )
        )

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
        values = asdict(plan)
        statement = insert(care_plan).values(**values)
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=[care_plan.c.care_plan],
                set_={k: statement.excluded[k] for k in values if k != "care_plan"},
                where=care_plan.c.version_id < statement.excluded.version_id,
            )
        )

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
