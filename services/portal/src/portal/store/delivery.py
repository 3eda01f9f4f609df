"""Notifications and delivery attempts: what was recorded for whom, and every try.

All SQL about `subscription_notification` and `subscription_delivery_attempt`. The head
of a subscription's queue is its lowest pending number: sending strictly in number
order keeps each patient's events in order for every subscription.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from carecoord_shared.ports import Repository
from portal.domain.subscriptions import Attempt, Notification
from portal.store.subscription_tables import partner_subscription as subs
from portal.store.subscription_tables import subscription_delivery_attempt as attempts
from portal.store.subscription_tables import subscription_notification as notes

__all__ = ["Deliveries"]

_FIELDS = tuple(Notification.__dataclass_fields__)
_ATTEMPT_FIELDS = tuple(Attempt.__dataclass_fields__)
_RECORD = sa.text(
    """
    WITH numbered AS (
        UPDATE partner_subscription SET events_since_start = events_since_start + 1
        WHERE id = :subscription_id RETURNING events_since_start AS number
    )
    INSERT INTO subscription_notification (subscription_id, event_number, event_id,
        event_type, patient_nhs, focus, occurred_at, recorded_at, state, attempts)
    SELECT :subscription_id, number, :event_id, :event_type, CAST(:patient_nhs AS text),
        CAST(:focus AS text), CAST(:occurred_at AS timestamptz),
        CAST(:recorded_at AS timestamptz), 'pending', 0
    FROM numbered
    ON CONFLICT DO NOTHING RETURNING event_number
    """
)
"""Number and keep in one statement (fixed text: built once, nothing to compile per event)."""


def _note(row: Any) -> Notification:
    return Notification(**{name: row._mapping[name] for name in _FIELDS})


class Deliveries(Repository):
    async def record(self, note: Notification) -> int | None:
        """Keep one notification under the subscription's next number, counted in the
        same statement (the note's own number is not used); None if this event was
        already recorded for it (the number is given back: numbers stay gap-free)."""
        values = asdict(note)
        del values["event_number"], values["state"], values["attempts"], values["delivered_at"]
        number = await self._conn.scalar(_RECORD, values)
        if number is None:
            await self._conn.execute(
                sa.update(subs)
                .where(subs.c.id == note.subscription_id)
                .values(events_since_start=subs.c.events_since_start - 1)
            )
        return None if number is None else int(number)

    async def claim(self, subscription_id: str, limit: int) -> list[Notification]:
        """The lowest pending notifications, in number order (one statement)."""
        query = (
            sa.select(notes)
            .where(notes.c.subscription_id == subscription_id, notes.c.state == "pending")
            .order_by(notes.c.event_number)
            .limit(limit)
        )
        return [_note(row) for row in await self._conn.execute(query)]

    async def settle(
        self, subscription_id: str, numbers: Sequence[int], state: str, at: datetime | None = None
    ) -> None:
        """Mark notifications delivered or withheld (counting their attempt), set-based."""
        if numbers:
            await self._conn.execute(
                self._chosen(subscription_id, numbers).values(
                    state=state, delivered_at=at, attempts=notes.c.attempts + 1
                )
            )

    async def failed(self, subscription_id: str, numbers: Sequence[int]) -> None:
        """Count a failed attempt on each: a retry sends exactly these together again."""
        await self._conn.execute(
            self._chosen(subscription_id, numbers).values(attempts=notes.c.attempts + 1)
        )

    @staticmethod
    def _chosen(subscription_id: str, numbers: Sequence[int]) -> sa.Update:
        return sa.update(notes).where(
            notes.c.subscription_id == subscription_id,
            notes.c.event_number.in_(list(numbers)),
        )

    async def requeue(self, subscription_id: str, since: datetime | None) -> int:
        """Pending again (attempts forgotten): every undelivered one, and with `since`
        those delivered since then too ("recover since T"), each under its old id."""
        chosen = notes.c.state == "pending"
        if since is not None:
            chosen = sa.or_(
                chosen, sa.and_(notes.c.state == "delivered", notes.c.recorded_at >= since)
            )
        result = await self._conn.execute(
            sa.update(notes)
            .where(notes.c.subscription_id == subscription_id, chosen)
            .values(state="pending", attempts=0, delivered_at=None)
        )
        return int(result.rowcount)

    async def between(
        self, subscription_id: str, since: int | None, until: int | None, limit: int
    ) -> list[Notification]:
        query = sa.select(notes).where(
            notes.c.subscription_id == subscription_id, notes.c.state != "withheld"
        )
        if since is not None:
            query = query.where(notes.c.event_number >= since)
        if until is not None:
            query = query.where(notes.c.event_number <= until)
        rows = await self._conn.execute(query.order_by(notes.c.event_number).limit(limit))
        return [_note(r) for r in rows]

    async def log(self, *logged: Attempt) -> None:
        if logged:
            await self._conn.execute(sa.insert(attempts), [asdict(a) for a in logged])

    async def log_of(
        self, subscription_id: str, since: datetime | None, limit: int
    ) -> list[Attempt]:
        query = sa.select(*(attempts.c[name] for name in _ATTEMPT_FIELDS)).where(
            attempts.c.subscription_id == subscription_id
        )
        if since is not None:
            query = query.where(attempts.c.attempted_at >= since)
        rows = await self._conn.execute(query.order_by(attempts.c.id.desc()).limit(limit))
        return [Attempt(*row) for row in rows]

    async def purge(self, before: datetime) -> int:
        """Forget settled notifications and attempts older than the retention."""
        gone = await self._conn.execute(
            sa.delete(notes).where(notes.c.recorded_at < before, notes.c.state != "pending")
        )
        await self._conn.execute(sa.delete(attempts).where(attempts.c.attempted_at < before))
        return int(gone.rowcount)
