"""In-memory grants, outbox and audited accesses: the kernel's ports as dictionaries and lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from carecoord_shared.events.envelope import Event
from carecoord_shared.ports import Grant, patient_event
from carecoord_shared.security.access import PartyKind
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


class InMemoryGrants:
    """The kernel's access grants, in a list."""

    def __init__(self, reasons: frozenset[str]) -> None:
        self.reasons = reasons
        self.rows: list[Grant] = []

    def _check(self, reason: str) -> None:
        if reason not in self.reasons:
            raise ValueError(f"grant reason {reason!r} is not registered by this service")

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
        self._check(reason)
        key = (patient_nhs, party_kind, party, reason)
        start = valid_from or datetime.now(UTC)
        for index, row in enumerate(self.rows):
            if (row.patient_nhs, row.party_kind, row.party, row.reason) == key:
                running = row.valid_to is None or row.valid_to > datetime.now(UTC)
                start = min(row.valid_from, start) if running else start
                self.rows[index] = Grant(*key, start, valid_to)
                return
        self.rows.append(Grant(*key, start, valid_to))

    async def end(
        self,
        patient_nhs: str,
        party_kind: PartyKind,
        party: str,
        reason: str,
        *,
        at: datetime | None = None,
    ) -> bool:
        self._check(reason)
        end = at or datetime.now(UTC)
        for index, row in enumerate(self.rows):
            same = (row.patient_nhs, row.party_kind, row.party, row.reason) == (
                patient_nhs,
                party_kind,
                party,
                reason,
            )
            if same and (row.valid_to is None or row.valid_to > end):
                self.rows[index] = Grant(*same_key(row), row.valid_from, end)
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


def same_key(row: Grant) -> tuple[str, PartyKind, str, str]:
    return (row.patient_nhs, row.party_kind, row.party, row.reason)


class InMemoryOutbox:
    """Events queued by a handler, in order."""

    def __init__(self, source: str = "urn:carecoord:test") -> None:
        self.source = source
        self.events: list[Event] = []

    async def announce(
        self, event_type: str, *, subject: str, nhs_number: str, data: dict[str, Any]
    ) -> Event:
        event = patient_event(event_type, self.source, subject, nhs_number, data)
        await self.add(event)
        return event

    async def add(self, event: Event) -> None:
        self.events.append(event)

    def types(self) -> list[str]:
        return [event.type for event in self.events]
