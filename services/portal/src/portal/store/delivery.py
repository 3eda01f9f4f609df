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
from portal.store.subscription_sharing import PatientSharing, bodies, consents_of
from portal.store.subscription_tables import subscription_delivery_attempt as attempts
from portal.store.subscription_tables import subscription_notification as notes
from portal.store.subscription_tables import subscription_patient as patients

__all__ = ["Deliveries"]

_FIELDS = tuple(Notification.__dataclass_fields__)
_ATTEMPT_FIELDS = tuple(Attempt.__dataclass_fields__)
_RECORD = sa.text(
    """
    WITH wanted AS (
        SELECT * FROM unnest(CAST(:subscription_ids AS text[]), CAST(:event_ids AS text[]),
            CAST(:event_types AS text[]), CAST(:patients AS text[]), CAST(:focuses AS text[]),
            CAST(:occurred AS timestamptz[])) WITH ORDINALITY
            AS w(subscription_id, event_id, event_type, patient_nhs, focus, occurred_at, n)
    ), fresh AS (
        SELECT * FROM wanted WHERE NOT EXISTS (
            SELECT FROM subscription_notification kept
            WHERE kept.subscription_id = wanted.subscription_id
                AND kept.event_id = wanted.event_id)
    ), locked AS (
        SELECT id FROM partner_subscription WHERE id IN (SELECT subscription_id FROM fresh)
        ORDER BY id FOR UPDATE
    ), counted AS (
        UPDATE partner_subscription SET events_since_start = events_since_start + added.n
        FROM (SELECT subscription_id, count(*) AS n FROM fresh GROUP BY subscription_id) added
        WHERE partner_subscription.id = added.subscription_id
            AND partner_subscription.id IN (SELECT id FROM locked)
        RETURNING partner_subscription.id, events_since_start - added.n AS before
    )
    INSERT INTO subscription_notification (subscription_id, event_number, event_id,
        event_type, patient_nhs, focus, occurred_at, recorded_at, state, attempts)
    SELECT fresh.subscription_id,
        counted.before + row_number() OVER (PARTITION BY fresh.subscription_id ORDER BY fresh.n),
        event_id, event_type, patient_nhs, focus, occurred_at, :recorded_at, 'pending', 0
    FROM fresh JOIN counted ON counted.id = fresh.subscription_id
    """
)
"""A run's notifications numbered and kept in one statement: each subscription's counter
advanced once by what it got (its rows locked in id order, so two runs never deadlock
on them), numbers following the run's order; one already kept (a redelivered event) is
left out before numbering, so numbers stay gap-free. Fixed text: compiled once."""


_DELIVERED = sa.text(
    """
    WITH logged AS (
        INSERT INTO subscription_delivery_attempt (subscription_id, webhook_id, kind,
            event_number, attempted_at, status_code, outcome, latency_ms, next_attempt_at)
        SELECT :subscription_id, * FROM unnest(CAST(:webhook_ids AS text[]),
            CAST(:kinds AS text[]), CAST(:event_numbers AS bigint[]),
            CAST(:attempted AS timestamptz[]), CAST(:status_codes AS int[]),
            CAST(:outcomes AS text[]), CAST(:latencies AS int[]), CAST(:next AS timestamptz[]))
    ), settled AS (
        UPDATE subscription_notification
        SET state = 'delivered', delivered_at = :at, attempts = attempts + 1
        WHERE subscription_id = :subscription_id
            AND event_number = ANY(CAST(:numbers AS bigint[]))
    )
    UPDATE partner_subscription SET failures = 0, next_attempt_at = NULL, last_sent_at = :at
    WHERE id = :subscription_id
    """
)
"""What a partner took, in one statement: the attempts logged (in order), the
notifications settled, the subscription's failures and retry clock cleared."""
_LOGGED = {
    "webhook_ids": "webhook_id",
    "kinds": "kind",
    "event_numbers": "event_number",
    "attempted": "attempted_at",
    "status_codes": "status_code",
    "outcomes": "outcome",
    "latencies": "latency_ms",
    "next": "next_attempt_at",
}
_RECORDED = {
    "subscription_ids": "subscription_id",
    "event_ids": "event_id",
    "event_types": "event_type",
    "patients": "patient_nhs",
    "focuses": "focus",
    "occurred": "occurred_at",
}


def _columns(rows: Sequence[object], names: dict[str, str]) -> dict[str, list[Any]]:
    """Rows as one array per column, for `unnest`."""
    return {name: [getattr(row, field) for row in rows] for name, field in names.items()}


_CLAIMED = (
    sa.select(notes)
    .where(notes.c.subscription_id == sa.bindparam("subscription_id"), notes.c.state == "pending")
    .order_by(notes.c.event_number)
    .limit(sa.bindparam("limit"))
    .subquery("claimed")
)
_CLAIM = (
    sa.select(_CLAIMED, patients.c.practice, consents_of(_CLAIMED.c.patient_nhs).label("consents"))
    .select_from(_CLAIMED.outerjoin(patients, patients.c.patient_nhs == _CLAIMED.c.patient_nhs))
    .order_by(_CLAIMED.c.event_number)
)
"""The head of the queue, then (for those rows only: the limit is inside) each one's
patient's sharing, so agreement and consent are checked at send time without a second
statement."""


def _note(row: Any) -> Notification:
    return Notification(**{name: row._mapping[name] for name in _FIELDS})


class Deliveries(Repository):
    async def record(self, recorded: Sequence[Notification]) -> None:
        """Keep notifications (in order) under their subscriptions' next numbers (their
        own numbers, states and attempts are not used); those already kept are not."""
        if not recorded:
            return
        values = _columns(recorded, _RECORDED)
        await self._conn.execute(_RECORD, {**values, "recorded_at": recorded[0].recorded_at})

    async def claim(
        self, subscription_id: str, limit: int
    ) -> list[tuple[Notification, PatientSharing]]:
        """The lowest pending notifications, in number order, each with its patient's
        practice and Consents as they are now (one statement)."""
        values = {"subscription_id": subscription_id, "limit": limit}
        found = await self._conn.execute(_CLAIM, values)
        return [(_note(row), (row.practice, bodies(row.consents))) for row in found]

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

    async def delivered(
        self, subscription_id: str, logged: Sequence[Attempt], numbers: Sequence[int], at: datetime
    ) -> None:
        """The partner took these: logged, settled, the subscription's failures cleared."""
        values = {**_columns(logged, _LOGGED), "numbers": list(numbers), "at": at}
        await self._conn.execute(_DELIVERED, {**values, "subscription_id": subscription_id})

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
