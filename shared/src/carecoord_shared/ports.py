"""The ports a unit of work offers besides the resource store: grants, outbox, repositories.

Service code never holds a database connection. A handler reaches the kernel's
access grants through `tx.grants`, queues events through `tx.outbox`, and reaches
its own tables through `tx.repository(SomeRepository)`, a class of the service's
`store/` built on the unit of work's connection. Each port has an in-memory fake in
`carecoord_shared.testing`, proven against PostgreSQL by a shared contract test, so
handlers can be unit-tested without a server.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.events.envelope import Event, new_event
from carecoord_shared.events.outbox import add as add_to_outbox
from carecoord_shared.security import access
from carecoord_shared.security.access import PartyKind

__all__ = [
    "Grant",
    "GrantKey",
    "Grants",
    "Outbox",
    "PostgresGrants",
    "PostgresOutbox",
    "Repository",
    "RepositoryT",
    "patient_event",
]


class Repository:
    """Base of a service repository: its own tables, on the unit of work's connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn


RepositoryT = TypeVar("RepositoryT", bound=Repository)


@dataclass(frozen=True, slots=True)
class Grant:
    """A running care relationship: `party` may see the patient for `reason`."""

    patient_nhs: str
    party_kind: PartyKind
    party: str
    reason: str
    valid_from: datetime
    valid_to: datetime | None


def patient_event(
    event_type: str, source: str, subject: str, nhs_number: str, data: dict[str, Any]
) -> Event:
    """A fact about one patient: the NHS number keys it (one patient's events stay in
    order) and travels in its data, as every CareCoord patient event has it."""
    return new_event(
        event_type,
        source=source,
        subject=subject,
        data={**data, "nhsNumber": nhs_number},
        nhs_number=nhs_number,
    )


GrantKey = tuple[str, PartyKind, str, str]
"""One care relationship: (patient's NHS number, party kind, party, reason)."""


class Grants(ABC):
    """Who may see which patient, and why (reasons are the service's own vocabulary).

    `grant` and `end` refuse a reason the service did not register, then hand the
    relationship to the store's own `_grant` / `_end`."""

    def __init__(self, reasons: Collection[str]) -> None:
        self.reasons = reasons

    def _key(self, patient_nhs: str, party_kind: PartyKind, party: str, reason: str) -> GrantKey:
        if reason not in self.reasons:
            raise ValueError(f"grant reason {reason!r} is not registered by this service")
        return (patient_nhs, party_kind, party, reason)

    async def grant(
        self,
        patient_nhs: str,
        party_kind: PartyKind,
        party: str,
        reason: str,
        *,
        valid_from: datetime | None = None,
        valid_to: datetime | None = None,
    ) -> None:
        """Make sure the party may see the patient for `reason` (idempotent)."""
        await self._grant(self._key(patient_nhs, party_kind, party, reason), valid_from, valid_to)

    async def end(
        self,
        patient_nhs: str,
        party_kind: PartyKind,
        party: str,
        reason: str,
        *,
        at: datetime | None = None,
    ) -> bool:
        """End a running grant at `at` (default now); False when none was running."""
        return await self._end(self._key(patient_nhs, party_kind, party, reason), at)

    @abstractmethod
    async def running(
        self, patient_nhs: str, *, reason: str | None = None, at: datetime | None = None
    ) -> list[Grant]: ...

    @abstractmethod
    async def _grant(
        self, key: GrantKey, valid_from: datetime | None, valid_to: datetime | None
    ) -> None: ...

    @abstractmethod
    async def _end(self, key: GrantKey, at: datetime | None) -> bool: ...


class Outbox(ABC):
    """Events queued in the unit of work; they commit exactly when its changes do."""

    def __init__(self, source: str) -> None:
        self.source = source

    async def announce(
        self, event_type: str, *, subject: str, nhs_number: str, data: dict[str, Any]
    ) -> Event:
        """Queue a fact about one patient from this service (see `patient_event`)."""
        event = patient_event(event_type, self.source, subject, nhs_number, data)
        await self.add(event)
        return event

    @abstractmethod
    async def add(self, event: Event) -> None: ...


class PostgresGrants(Grants):
    def __init__(self, conn: AsyncConnection, reasons: Collection[str]) -> None:
        super().__init__(reasons)
        self._conn = conn

    async def _grant(
        self, key: GrantKey, valid_from: datetime | None, valid_to: datetime | None
    ) -> None:
        await access.grant(self._conn, *key, valid_from=valid_from, valid_to=valid_to)

    async def _end(self, key: GrantKey, at: datetime | None) -> bool:
        return await access.end_grant(self._conn, *key, at=at)

    async def running(
        self, patient_nhs: str, *, reason: str | None = None, at: datetime | None = None
    ) -> list[Grant]:
        table = access.access_grant.c
        moment: Any = at if at is not None else sa.func.now()
        query = sa.select(
            table.patient_nhs,
            table.party_kind,
            table.party,
            table.reason,
            table.valid_from,
            table.valid_to,
        ).where(
            table.patient_nhs == patient_nhs,
            table.valid_from <= moment,
            sa.or_(table.valid_to.is_(None), table.valid_to > moment),
        )
        if reason is not None:
            query = query.where(table.reason == reason)
        rows = (await self._conn.execute(query.order_by(table.id))).all()
        return [Grant(*row) for row in rows]


class PostgresOutbox(Outbox):
    def __init__(self, conn: AsyncConnection, topic: str, source: str) -> None:
        super().__init__(source)
        self._conn = conn
        self._topic = topic

    async def add(self, event: Event) -> None:
        if not self._topic:
            raise RuntimeError("this unit of work has no topic to publish on")
        await add_to_outbox(self._conn, self._topic, event)
