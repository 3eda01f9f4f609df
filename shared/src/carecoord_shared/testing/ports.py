"""In-memory grants, outbox and audited accesses: the kernel's ports as dictionaries and lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from carecoord_shared.events.envelope import Event
from carecoord_shared.ports import Grant, GrantKey, Grants, Outbox
from carecoord_shared.security.principal import Principal

__all__ = ["AuditedAccess", "InMemoryGrants", "InMemoryOutbox"]


@dataclass(frozen=True, slots=True)
class AuditedAccess:
    """An access a handler audited outside the store (`tx.record_access`), as the
    in-memory unit of work keeps it: who (the principal's subject), what and why."""

    subject: str
    action: str
    entity: str
    patients: tuple[str, ...]
    purpose: str | None


class InMemoryGrants(Grants):
    """The kernel's access grants, in a list."""

    def __init__(self, reasons: frozenset[str]) -> None:
        super().__init__(reasons)
        self.rows: list[Grant] = []

    async def _grant(
        self, key: GrantKey, valid_from: datetime | None, valid_to: datetime | None
    ) -> None:
        start = valid_from or datetime.now(UTC)
        for index, row in enumerate(self.rows):
            if _key(row) == key:
                running = row.valid_to is None or row.valid_to > datetime.now(UTC)
                start = min(row.valid_from, start) if running else start
                self.rows[index] = Grant(*key, start, valid_to)
                return
        self.rows.append(Grant(*key, start, valid_to))

    async def _end(self, key: GrantKey, at: datetime | None) -> bool:
        end = at or datetime.now(UTC)
        for index, row in enumerate(self.rows):
            if _key(row) == key and (row.valid_to is None or row.valid_to > end):
                self.rows[index] = Grant(*key, row.valid_from, end)
                return True
        return False

    async def running(
        self, patient_nhs: str, *, reason: str | None = None, at: datetime | None = None
    ) -> list[Grant]:
        moment = at or datetime.now(UTC)
        return [
            row
            for row in self.rows
            if row.patient_nhs == patient_nhs
            and (reason is None or row.reason == reason)
            and row.valid_from <= moment
            and (row.valid_to is None or row.valid_to > moment)
        ]

    def allows(self, principal: Principal, patient_nhs: str) -> bool:
        """The relationship rule as the fake applies it: the patient themself, a system
        client, or a running grant to the caller's organisation or user id."""
        if principal.kind == "system" or principal.nhs_number == patient_nhs:
            return True
        parties = {("organisation", principal.organisation), ("user", principal.subject)}
        moment = datetime.now(UTC)
        return any(
            (row.party_kind, row.party) in parties
            and row.valid_from <= moment
            and (row.valid_to is None or row.valid_to > moment)
            for row in self.rows
            if row.patient_nhs == patient_nhs
        )


def _key(row: Grant) -> GrantKey:
    return (row.patient_nhs, row.party_kind, row.party, row.reason)


class InMemoryOutbox(Outbox):
    """Events queued by a handler, in order."""

    def __init__(self, source: str = "urn:carecoord:test") -> None:
        super().__init__(source)
        self.events: list[Event] = []

    async def add(self, event: Event) -> None:
        self.events.append(event)

    def types(self) -> list[str]:
        return [event.type for event in self.events]
