"""The care plan index: one row per plan, kept in the plan's write transaction.

Its partial unique index makes "one active comprehensive plan per patient" hold
even when two organisations create one at the same moment. The review clock (last
review, interval from the register, due date) is computed here in SQL so worklists
and the review-due job always use the register as it is now.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncConnection

from care_plans.domain.care_plan import DueReview, PlanFacts
from care_plans.store.tables import care_plan_index, patient_register
from carecoord_shared.ports import Repository
from carecoord_shared.store.upsert import upsert

plans = care_plan_index.c


def due_date() -> ColumnElement[Any]:
    """`last_reviewed` plus 6 months (diabetes/COPD on the register) or 12 months."""
    interval = sa.case(
        (patient_register.c.six_monthly_review.is_(True), sa.text("interval '6 months'")),
        else_=sa.text("interval '12 months'"),
    )
    return sa.cast(plans.last_reviewed + interval, sa.Date)


def _rearmed(new: Any) -> dict[str, Any]:
    """A new review date re-arms the review-due event."""
    changed_review = plans.last_reviewed.is_distinct_from(new.last_reviewed)
    return {
        "review_due_announced": sa.case(
            (changed_review, sa.null()), else_=plans.review_due_announced
        )
    }


_SAVE = upsert(
    care_plan_index,
    "care_plan_id",
    [c.name for c in care_plan_index.c if c is not plans.review_due_announced],
    also=_rearmed,
)


def _row(plan_id: str, patient_nhs: str, facts: PlanFacts) -> dict[str, Any]:
    return {"care_plan_id": plan_id, "patient_nhs": patient_nhs, **asdict(facts)}


class PlanIndexRepository(Repository):
    """What the rules need to know about every plan, without reading the plans.

    One instance serves one unit of work, and remembers each patient's active
    comprehensive plan once asked (a run of events for one patient asks once), kept
    true by this unit of work's own `save` and `forget`."""

    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn)
        self._active: dict[str, str | None] = {}
        self._rows: dict[str, tuple[str, PlanFacts]] = {}

    def as_stored(self, plan_id: str, patient_nhs: str, facts: PlanFacts) -> None:
        """What the plan's row says, known from the plan's current version (every write
        of a plan indexes it in its transaction): saving the same again changes nothing,
        and is skipped (a run linking activities to a plan leaves its row as it is)."""
        self._rows[plan_id] = (patient_nhs, facts)

    async def other_active_comprehensive(self, patient_nhs: str, plan_id: str) -> str | None:
        if self._active.get(patient_nhs) == plan_id:  # the one the unique index allows
            return None
        found = await self._conn.scalar(
            sa.select(plans.care_plan_id).where(
                plans.patient_nhs == patient_nhs,
                plans.comprehensive,
                plans.active,
                plans.care_plan_id != plan_id,
            )
        )
        return None if found is None else str(found)

    async def save(self, plan_id: str, patient_nhs: str, facts: PlanFacts) -> None:
        """Index the plan as it is now; a new review date re-arms the review-due event."""
        if self._rows.get(plan_id) != (patient_nhs, facts):
            await self._conn.execute(_SAVE, _row(plan_id, patient_nhs, facts))
            self._rows[plan_id] = (patient_nhs, facts)
        self._forget_active(plan_id)
        if facts.comprehensive and facts.active:
            self._active[patient_nhs] = plan_id

    async def forget(self, plan_id: str) -> None:
        await self._conn.execute(sa.delete(care_plan_index).where(plans.care_plan_id == plan_id))
        self._rows.pop(plan_id, None)
        self._forget_active(plan_id)

    def _forget_active(self, plan_id: str) -> None:
        for patient in [p for p, known in self._active.items() if known == plan_id]:
            del self._active[patient]

    async def active_comprehensive(self, patient_nhs: str) -> str | None:
        return (await self.active_comprehensive_of([patient_nhs]))[patient_nhs]

    async def active_comprehensive_of(self, patients: Collection[str]) -> dict[str, str | None]:
        """Each patient's active comprehensive plan, if any (one query for those not
        asked before in this unit of work)."""
        unknown = sorted({p for p in patients if p not in self._active})
        if unknown:
            self._active.update(dict.fromkeys(unknown))
            rows = await self._conn.execute(
                sa.select(plans.patient_nhs, plans.care_plan_id).where(
                    plans.patient_nhs.in_(unknown), plans.comprehensive, plans.active
                )
            )
            self._active.update((str(nhs), str(plan)) for nhs, plan in rows)
        return {p: self._active[p] for p in patients}

    async def due_unannounced(self, today: date, limit: int = 200) -> list[DueReview]:
        """Active comprehensive plans whose review fell due and has not been announced yet
        (claimed with SKIP LOCKED, so two workers never announce the same one)."""
        due = due_date()
        query = (
            sa.select(plans.care_plan_id, plans.patient_nhs, due.label("due_on"))
            .select_from(
                care_plan_index.outerjoin(
                    patient_register, patient_register.c.nhs_number == plans.patient_nhs
                )
            )
            .where(plans.comprehensive, plans.active, due <= today)
            .where(plans.review_due_announced.is_distinct_from(due))
            .order_by(plans.patient_nhs)
            .limit(limit)
            .with_for_update(of=care_plan_index, skip_locked=True)
        )
        return [DueReview(*row) for row in await self._conn.execute(query)]

    async def mark_announced(self, plan_id: str, due_on: date) -> None:
        await self._conn.execute(
            sa.update(care_plan_index)
            .where(plans.care_plan_id == plan_id)
            .values(review_due_announced=due_on)
        )
