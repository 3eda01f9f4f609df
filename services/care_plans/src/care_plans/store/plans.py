"""The care plan index: one row per plan, kept in the plan's write transaction.

Its partial unique index makes "one active comprehensive plan per patient" hold
even when two organisations create one at the same moment. The review clock (last
review, interval from the register, due date) is computed here in SQL so worklists
and the review-due job always use the register as it is now.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from care_plans.domain.care_plan import PlanFacts
from care_plans.store.tables import care_plan_index, patient_register

plans = care_plan_index.c


def due_date() -> ColumnElement[Any]:
    """`last_reviewed` plus 6 months (diabetes/COPD on the register) or 12 months."""
    interval = sa.case(
        (patient_register.c.six_monthly_review.is_(True), sa.text("interval '6 months'")),
        else_=sa.text("interval '12 months'"),
    )
    return sa.cast(plans.last_reviewed + interval, sa.Date)


async def other_active_comprehensive(
    conn: AsyncConnection, patient_nhs: str, plan_id: str
) -> str | None:
    found = await conn.scalar(
        sa.select(plans.care_plan_id).where(
            plans.patient_nhs == patient_nhs,
            plans.comprehensive,
            plans.active,
            plans.care_plan_id != plan_id,
        )
    )
    return None if found is None else str(found)


async def save(conn: AsyncConnection, plan_id: str, patient_nhs: str, facts: PlanFacts) -> None:
    values = {
        "care_plan_id": plan_id,
        "patient_nhs": patient_nhs,
        "comprehensive": facts.comprehensive,
        "active": facts.active,
        "co_developed": facts.co_developed,
        "agreed": facts.agreed,
        "goal_count": facts.goal_count,
        "last_reviewed": facts.last_reviewed,
    }
    statement = insert(care_plan_index).values(**values)
    changed_review = care_plan_index.c.last_reviewed.is_distinct_from(
        statement.excluded.last_reviewed
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[plans.care_plan_id],
            set_={
                **{k: statement.excluded[k] for k in values if k != "care_plan_id"},
                "review_due_announced": sa.case(
                    (changed_review, sa.null()), else_=plans.review_due_announced
                ),
            },
        )
    )


async def forget(conn: AsyncConnection, plan_id: str) -> None:
    await conn.execute(sa.delete(care_plan_index).where(plans.care_plan_id == plan_id))


async def six_monthly(conn: AsyncConnection, patient_nhs: str) -> bool:
    found = await conn.scalar(
        sa.select(patient_register.c.six_monthly_review).where(
            patient_register.c.nhs_number == patient_nhs
        )
    )
    return bool(found)


async def active_comprehensive(conn: AsyncConnection, patient_nhs: str) -> str | None:
    found = await conn.scalar(
        sa.select(plans.care_plan_id).where(
            plans.patient_nhs == patient_nhs, plans.comprehensive, plans.active
        )
    )
    return None if found is None else str(found)


async def due_unannounced(conn: AsyncConnection, today: date, limit: int = 200) -> list[Any]:
    """Active comprehensive plans whose review fell due and has not been announced yet."""
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
        .limit(limit)
        .with_for_update(of=care_plan_index, skip_locked=True)
    )
    return list(await conn.execute(query))


async def mark_announced(conn: AsyncConnection, plan_id: str, due_on: date) -> None:
    await conn.execute(
        sa.update(care_plan_index)
        .where(plans.care_plan_id == plan_id)
        .values(review_due_announced=due_on)
    )
