"""The inbox consumer's bookkeeping: what it did, offsets before a rebalance, its lag,
and the scope around a run of events.

Kept apart from `consumer` (which applies events) so each stays readable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.events.envelope import Event
from carecoord_shared.events.metrics import CONSUMER_LAG

__all__ = ["CommitBeforeRevoke", "ConsumerStats", "Handler", "RunScope", "measure_lag", "no_scope"]

Commit = Callable[[AIOKafkaConsumer, "set[Any] | None"], Awaitable[None]]


@dataclass(slots=True)
class ConsumerStats:
    """What this consumer instance has done with the records it was given."""

    handled: int = 0
    duplicates: int = 0
    unknown_types: int = 0
    dead_lettered: int = 0
    failed_attempts: int = 0


class CommitBeforeRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Commits what was applied before a partition moves to another consumer."""

    def __init__(self, commit: Commit, consumer: AIOKafkaConsumer) -> None:
        self._commit = commit
        self._consumer = consumer

    async def on_partitions_revoked(self, revoked: Iterable[Any]) -> None:
        await self._commit(self._consumer, set(revoked))

    async def on_partitions_assigned(self, assigned: Iterable[Any]) -> None:
        return None


def measure_lag(
    consumer: AIOKafkaConsumer, group: str, positions: Mapping[tuple[str, int], int]
) -> None:
    """Records not yet applied, per assigned partition (high-water mark minus position)."""
    for tp in consumer.assignment():
        high = consumer.highwater(tp)
        done = positions.get((tp.topic, tp.partition))
        if high is not None and done is not None:
            CONSUMER_LAG.labels(group, tp.topic, str(tp.partition)).set(high - done)


Handler = Callable[[AsyncConnection, Event], Awaitable[None]]  # in the inbox's transaction
RunScope = Callable[[AsyncConnection], AbstractAsyncContextManager[None]]
"""Around the handlers of one run of events (one transaction): its exit, before the
commit, is where work the handlers gathered is done once (see `fhir.gathering`)."""


@asynccontextmanager
async def no_scope(_conn: AsyncConnection) -> AsyncIterator[None]:
    yield
