"""The events of one unit of work, written to the outbox together when it finishes.

A consumer's run of a hundred events announces as many facts; written as they come
each cost a round trip. Queued here and written in one statement just before the
unit of work commits (`outbox.add_many`), they still commit exactly with its changes,
in the order they were announced, each key's lock held until the commit.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.events.envelope import Event
from carecoord_shared.events.outbox import add_many
from carecoord_shared.ports import PostgresOutbox

__all__ = ["BatchedOutbox"]


class BatchedOutbox(PostgresOutbox):
    """`tx.outbox` of a unit of work: events queued, written by `flush`."""

    def __init__(self, conn: AsyncConnection, topic: str, source: str) -> None:
        super().__init__(conn, topic, source)
        self._queued: list[tuple[str, Event]] = []

    async def add(self, event: Event) -> None:
        if not self._topic:
            raise RuntimeError("this unit of work has no topic to publish on")
        self._queued.append((self._topic, event))

    async def flush(self) -> None:
        """Write every queued event (one statement) in the unit of work's transaction."""
        queued, self._queued = self._queued, []
        await add_many(self._conn, queued)
