"""Subscriptions' delivery state: the rows delivery runs on, and patients' practices.

All SQL about `partner_subscription` and `subscription_patient` lives here, but the
event counter: `Deliveries.record` advances it in the statement that keeps a run's
notifications, inside the consumer's transaction, so numbers are gap-free per
subscription (a rolled-back run gives its numbers back). Leases keep two workers (or
two ticks) from sending for one subscription at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, insert

from carecoord_shared.ports import Repository
from portal.domain.subscriptions import PartnerSubscription
from portal.store.subscription_tables import partner_subscription as subs
from portal.store.subscription_tables import subscription_notification as notes
from portal.store.subscription_tables import subscription_patient

__all__ = ["SubscriptionRows"]

_FIELDS = tuple(PartnerSubscription.__dataclass_fields__)
_PATIENT_FILTER = subs.c.filters["patient"].astext
_COUNTING = (
    sa.select(subs)
    .where(
        subs.c.topic.in_(sa.bindparam("topics", expanding=True)),
        subs.c.status != "off",
        sa.or_(
            _PATIENT_FILTER.is_(None),
            sa.any_(sa.bindparam("patients", type_=ARRAY(sa.Text))) == _PATIENT_FILTER,
        ),
    )
    .order_by(subs.c.id)
)
SENDING = ("requested", "active")
"""Statuses a round sends in (a handshake, or the backlog and heartbeats)."""


def _row(row: Any) -> PartnerSubscription:
    return PartnerSubscription(**{name: row._mapping[name] for name in _FIELDS})


class SubscriptionRows(Repository):
    async def save(self, values: dict[str, Any]) -> None:
        """Insert or replace the delivery settings of one subscription (its counters,
        status clock and history stay as they are on replace)."""
        statement = insert(subs).values(**values)
        kept = {"id", "created_at", "events_since_start", "last_sent_at"}
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=[subs.c.id],
                set_={k: statement.excluded[k] for k in values if k not in kept},
            )
        )

    async def get(self, subscription_id: str, *, lock: bool = False) -> PartnerSubscription | None:
        query = sa.select(subs).where(subs.c.id == subscription_id)
        row = (await self._conn.execute(query.with_for_update() if lock else query)).first()
        return _row(row) if row else None

    async def remove(self, subscription_id: str) -> None:
        await self._conn.execute(sa.delete(subs).where(subs.c.id == subscription_id))
        await self._conn.execute(sa.delete(notes).where(notes.c.subscription_id == subscription_id))

    async def counting(
        self, topics: Sequence[str], patients: Sequence[str]
    ) -> list[PartnerSubscription]:
        """Subscriptions to these topics that still count events (all but `off`), less
        those whose patient filter names none of these patients (pruned in SQL)."""
        found = await self._conn.execute(_COUNTING, {"topics": topics, "patients": patients})
        return [_row(r) for r in found]

    async def set(self, subscription_id: str, **values: Any) -> None:
        await self._conn.execute(
            sa.update(subs).where(subs.c.id == subscription_id).values(**values)
        )

    async def needing_work(self, now: datetime, limit: int = 200) -> list[str]:
        """Ids with something to do now: a handshake, due notifications or a heartbeat,
        and nobody holding them."""
        pending = sa.exists().where(
            notes.c.subscription_id == subs.c.id, notes.c.state == "pending"
        )
        heartbeat_due = sa.and_(
            subs.c.heartbeat_s.is_not(None),
            sa.func.coalesce(subs.c.last_sent_at, subs.c.created_at)
            + sa.func.make_interval(0, 0, 0, 0, 0, 0, subs.c.heartbeat_s)
            <= now,
        )
        free = sa.or_(subs.c.lease_until.is_(None), subs.c.lease_until <= now)
        due = sa.or_(subs.c.next_attempt_at.is_(None), subs.c.next_attempt_at <= now)
        work = sa.or_(
            subs.c.status == "requested",
            sa.and_(subs.c.status == "active", sa.or_(pending, heartbeat_due)),
        )
        query = sa.select(subs.c.id).where(free, due, work).order_by(subs.c.id).limit(limit)
        return list((await self._conn.scalars(query)).all())

    async def lease(
        self, subscription_id: str, now: datetime, until: datetime
    ) -> PartnerSubscription | None:
        """Take the subscription for one round of sending (None: someone holds it, or
        it has nothing it may send now: off, in error, or waiting for its next try)."""
        free = sa.or_(subs.c.lease_until.is_(None), subs.c.lease_until <= now)
        due = sa.or_(subs.c.next_attempt_at.is_(None), subs.c.next_attempt_at <= now)
        taken = await self._conn.execute(
            sa.update(subs)
            .where(subs.c.id == subscription_id, free, due, subs.c.status.in_(SENDING))
            .values(lease_until=until)
            .returning(*subs.c)
        )
        row = taken.first()
        return _row(row) if row else None

    async def release(self, subscription_id: str) -> tuple[int, int, datetime | None] | None:
        """Give the lease back; with the subscription's failures, pending notifications
        and the oldest pending one's time (None: the subscription is gone)."""
        pending = notes.c.subscription_id == subs.c.id, notes.c.state == "pending"
        count = sa.select(sa.func.count()).where(*pending).scalar_subquery()
        oldest = sa.select(sa.func.min(notes.c.recorded_at)).where(*pending).scalar_subquery()
        row = (
            await self._conn.execute(
                sa.update(subs)
                .where(subs.c.id == subscription_id)
                .values(lease_until=None)
                .returning(subs.c.failures, count, oldest)
            )
        ).first()
        return None if row is None else (int(row[0]), int(row[1]), row[2])

    async def renew(self, subscription_id: str, held: datetime, until: datetime) -> bool:
        """Extend a lease this round still holds (`held` is its current end)."""
        renewed = await self._conn.scalar(
            sa.update(subs)
            .where(subs.c.id == subscription_id, subs.c.lease_until == held)
            .values(lease_until=until)
            .returning(subs.c.id)
        )
        return renewed is not None

    async def set_practices(self, practices: Mapping[str, str]) -> None:
        """Each patient's registered practice, as last heard (one statement)."""
        if not practices:
            return
        statement = insert(subscription_patient).values(
            [{"patient_nhs": nhs, "practice": p} for nhs, p in practices.items()]
        )
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=[subscription_patient.c.patient_nhs],
                set_={"practice": statement.excluded.practice},
            )
        )
