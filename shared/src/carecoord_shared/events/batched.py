"""The events of one unit of work, written to the outbox together when it finishes.

A consumer's run of a hundred events announces as many facts; written as they come
each cost a round trip. Queued here and written in one statement just before the
unit of work commits (`outbox.add_many`), they still commit exactly with its changes,
in the order they were announced, each key's lock held until the commit. The unit of
work's audit rows, written last too, go in the same statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.events.envelope import Event
from carecoord_shared.events.outbox import add_many, insert_many_after
from carecoord_shared.ports import PostgresOutbox
from carecoord_shared.security.audit import audit_event, write_rows

__all__ = ["BatchedOutbox"]

_AUDITED = insert_many_after(
    """
audited AS (
    INSERT INTO audit_event (id, recorded, action, outcome, subject, role, organisation,
                             patient_nhs, entity, purpose, correlation_id, content)
    SELECT * FROM unnest(
        CAST(:audit_id AS uuid[]), CAST(:audit_recorded AS timestamptz[]),
        CAST(:audit_action AS text[]), CAST(:audit_outcome AS text[]),
        CAST(:audit_subject AS text[]), CAST(:audit_role AS text[]),
        CAST(:audit_organisation AS text[]), CAST(:audit_patient_nhs AS text[]),
        CAST(:audit_entity AS text[]), CAST(:audit_purpose AS text[]),
        CAST(:audit_correlation_id AS text[]), CAST(:audit_content AS bytea[])
    )
)"""
)
"""The events and the audit rows (`AuditTrail.take`'s, one array per column): one statement."""


class BatchedOutbox(PostgresOutbox):
    """`tx.outbox` of a unit of work: events queued, written by `flush`."""

    def __init__(self, conn: AsyncConnection, topic: str, source: str) -> None:
        super().__init__(conn, topic, source)
        self._queued: list[tuple[str, Event]] = []

    async def add(self, event: Event) -> None:
        if not self._topic:
            raise RuntimeError("this unit of work has no topic to publish on")
        self._queued.append((self._topic, event))

    async def flush(self, audit_rows: Sequence[Mapping[str, Any]] = ()) -> None:
        """Write every queued event (one statement) in the unit of work's transaction,
        and `audit_rows`, the unit of work's audit trail, in the same statement."""
        queued, self._queued = self._queued, []
        if not queued:
            await write_rows(self._conn, audit_rows)
            return
        columns = {f"audit_{c.name}": [row[c.name] for row in audit_rows] for c in audit_event.c}
        await add_many(self._conn, queued, (_AUDITED, columns) if audit_rows else None)
