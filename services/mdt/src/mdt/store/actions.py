"""Actions: who owns each, by when, and whether it was acknowledged, done or escalated.

The escalation job reads these rows (never the Tasks) to find what is overdue, and
skips rows another worker holds, so two workers never escalate one action twice.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from carecoord_shared.ports import Repository
from mdt.domain.cases import AssignedAction
from mdt.store.tables import by_id, mdt_action

ACTION_FIELDS = tuple(AssignedAction.__dataclass_fields__)


def _action(row: Any) -> AssignedAction:
    return AssignedAction(**{name: row._mapping[name] for name in ACTION_FIELDS})


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
        return [_action(r) for r in await self._conn.execute(query)]

    async def _update(self, action_id: str, **values: object) -> None:
        await self._conn.execute(
            sa.update(mdt_action).where(mdt_action.c.id == action_id).values(**values)
        )
