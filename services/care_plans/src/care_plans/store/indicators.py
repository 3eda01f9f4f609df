"""Counting indicator populations straight from the register, assignments and plan index.

Definitions are in `domain.measures`; the SQL here is their literal form, so the
figures can be reproduced by anyone with read access to these tables.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy import ColumnElement

from care_plans.domain.areas import Area
from care_plans.store.plans import plans
from care_plans.store.worklists import has_coordinator, in_area, in_ltc_cohort, register
from carecoord_shared.ports import Repository


def _months_before(at: datetime, six_monthly: ColumnElement[bool] | None) -> ColumnElement[bool]:
    twelve = sa.cast(sa.literal(at) - sa.text("interval '12 months'"), sa.Date)
    if six_monthly is None:
        return plans.last_reviewed > twelve
    six = sa.cast(sa.literal(at) - sa.text("interval '6 months'"), sa.Date)
    return plans.last_reviewed > sa.case((six_monthly, six), else_=twelve)


def _plan(at: datetime, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return sa.exists().where(
        plans.patient_nhs == register.nhs_number,
        plans.comprehensive,
        plans.active,
        plans.last_reviewed <= at.date(),
        *conditions,
    )


def numerator_condition(code: str, at: datetime) -> ColumnElement[bool]:
    if code == "G1":
        return _plan(at, _months_before(at, register.six_monthly_review.is_(True)))
    if code == "G2":
        return has_coordinator(at)
    return _plan(at, plans.co_developed, plans.goal_count > 0, _months_before(at, None))


class IndicatorRepository(Repository):
    """Aggregates only: nothing about an individual patient leaves it."""

    async def population(self, code: str, area: Area, period_end: date) -> tuple[int, int]:
        """(numerator, denominator) of indicator `code` at the end of the period's last day."""
        at = datetime.combine(period_end, time.max, tzinfo=UTC)
        numerator = sa.func.count().filter(numerator_condition(code, at))
        query = sa.select(numerator, sa.func.count()).where(in_ltc_cohort(), *in_area(area))
        row = (await self._conn.execute(query)).one()
        return int(row[0]), int(row[1])
