"""Actions: who owns each, by when, and whether it was acknowledged, done or escalated.

The escalation job reads these rows (never the Tasks) to find what is overdue, and
skips rows another worker holds, so two workers never escalate one action twice. A
team's actions are those of its cases: tallied by state, and the late ones listed
under the caller's access rule (in the query, like every list of patients' records).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from carecoord_shared.ports import Repository
from carecoord_shared.store.repository import AccessRule, allow_all
from mdt.domain.cases import AssignedAction
from mdt.store.tables import by_id, mdt_action, mdt_case

ACTION_FIELDS = tuple(AssignedAction.__dataclass_fields__)


def _action(row: Any) -> AssignedAction:
    return AssignedAction(**{name: row._mapping[name] for name in ACTION_FIELDS})


def _late(today: date) -> sa.ColumnElement[bool]:
    """Past due, neither done nor (if it must be) acknowledged (`AssignedAction.is_late`)."""
    return sa.and_(
        mdt_action.c.due_on < today,
        mdt_action.c.state.in_(("assigned", "acknowledged")),
        sa.or_(mdt_action.c.state == "assigned", sa.not_(mdt_action.c.needs_acknowledgement)),
    )


def _of_team(mdt_id: str) -> sa.ColumnElement[bool]:
    """The actions agreed on the MDT's cases."""
    return mdt_action.c.case_id.in_(sa.select(mdt_case.c.id).where(mdt_case.c.mdt_id == mdt_id))


class Actions(Repository):
    async def add(self, action: AssignedAction) -> None:
        values = {name: getattr(action, name) for name in ACTION_FIELDS}
        await self._conn.execute(sa.insert(mdt_action).values(**values))

    async def get(self, action_id: str, *, lock: bool = False) -> AssignedAction | None:
        row = (await self._conn.execute(by_id(mdt_action, action_id, lock=lock))).first()
        return _action(row) if row else None

    async def set_state(self, action_id: str, state: str) -> None:
        await self._update(action_id, state=state)

    async def escalated(self, action_id: str, at: datetime) -> None:
        await self._update(action_id, overdue_at=at)

    async def overdue(self, today: date, limit: int = 100) -> list[AssignedAction]:
        """Actions past due, neither done nor (if they need it) acknowledged, not yet
        escalated (`AssignedAction.is_overdue`), oldest due first; locked, skipping
        rows another worker holds."""
        query = (
            sa.select(mdt_action)
            .where(mdt_action.c.overdue_at.is_(None), _late(today))
            .order_by(mdt_action.c.due_on, mdt_action.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_action(r) for r in await self._conn.execute(query)]

    async def tally(self, mdt_id: str, today: date) -> dict[str, tuple[int, int]]:
        """The MDT's actions by state: how many, and how many of those are late."""
        late_count = sa.func.count().filter(_late(today))
        query = (
            sa.select(mdt_action.c.state, sa.func.count(), late_count)
            .where(_of_team(mdt_id))
            .group_by(mdt_action.c.state)
        )
        return {state: (count, late) for state, count, late in await self._conn.execute(query)}

    async def late(
        self, mdt_id: str, today: date, visible: AccessRule = allow_all, limit: int = 100
    ) -> list[AssignedAction]:
        """The MDT's late actions, escalated or not, whose patient `visible` (the caller's
        access rule) lets the caller see; longest overdue first."""
        query = (
            sa.select(mdt_action)
            .where(_of_team(mdt_id), _late(today), visible(mdt_action.c.patient_nhs))
            .order_by(mdt_action.c.due_on, mdt_action.c.id)
            .limit(limit)
        )
        return [_action(r) for r in await self._conn.execute(query)]

    async def _update(self, action_id: str, **values: object) -> None:
        await self._conn.execute(
            sa.update(mdt_action).where(mdt_action.c.id == action_id).values(**values)
        )
