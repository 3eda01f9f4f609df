"""The audit half of a unit of work: what it read, what it refused, and why.

Every read of patient data leaves an AuditEvent row with its purpose of use (a running
break-glass says so), and every refusal leaves one with outcome 4, even when the unit
of work rolls back (`refusals` are written on a connection of their own). The rows are
gathered in an `AuditTrail` and written together when the unit of work finishes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.fhir.outcome import forbidden, not_found
from carecoord_shared.fhir.resource_checks import patients_of
from carecoord_shared.security import audit
from carecoord_shared.security.audit import AuditAction, Refusal
from carecoord_shared.security.principal import Principal
from carecoord_shared.security.purpose import break_glass_reason
from carecoord_shared.store import repository
from carecoord_shared.store.repository import StoredResource

__all__ = ["ASK", "AuditedUnit"]


class _Ask:
    """The purpose of use is not known yet: look for a running break-glass."""


ASK = _Ask()


class AuditedUnit:
    """A caller's accesses on one connection, audited (refusals too)."""

    def __init__(self, conn: AsyncConnection, principal: Principal) -> None:
        self._conn = conn
        self.principal = principal
        self.refusals: list[Refusal] = []
        """Access refused in this unit of work, audited (outcome 4) even if it rolls back."""
        self.audit_trail = audit.AuditTrail(principal)

    async def audit(self, action: AuditAction, entity: str, seen: Sequence[StoredResource]) -> None:
        """Audit a read of `seen`, with a running break-glass as its purpose of use."""
        await self._audit_read(action, entity, seen, ASK)

    async def _audit_read(
        self,
        action: AuditAction,
        entity: str,
        seen: Sequence[StoredResource],
        purpose: str | _Ask | None,
    ) -> None:
        """`purpose` when the read itself learnt its purpose of use (`store.reads`),
        else (`ASK`) a running break-glass is looked up."""
        patients = patients_of(seen)
        if patients or action != "E":
            if isinstance(purpose, _Ask):
                purpose = await self._broken_glass_purpose(patients)
            self.audit_trail.add(action, entity, patients, purpose=purpose)

    async def record_access(
        self,
        action: AuditAction,
        entity: str,
        patients: Sequence[str],
        *,
        purpose: str | None = None,
    ) -> None:
        """Audit an access the service made outside the resource store (a projection it
        keeps, a summary it assembled), with its purpose of use."""
        why = purpose or await self._broken_glass_purpose(patients)
        self.audit_trail.add(action, entity, list(patients), purpose=why)

    async def refuse_as_unknown(
        self, action: AuditAction, resource_type: str, resource_id: str
    ) -> NoReturn:
        """Answer exactly as for an id that does not exist (404), leaving the refusal in
        the audit trail: for what a caller may not know exists."""
        self.refusals.append(Refusal(action, f"{resource_type}/{resource_id}", None))
        raise not_found(resource_type, resource_id)

    async def refuse(self, action: AuditAction, entity: str, patient_nhs: str | None) -> NoReturn:
        """Refuse (403) for want of a relationship, leaving the refusal in the audit trail."""
        self.refusals.append(Refusal(action, entity, patient_nhs))
        raise forbidden("You have no care relationship with this patient")

    async def _broken_glass_purpose(self, patients: Sequence[str]) -> str | None:
        """A staff read of a patient under a running break-glass says so in its audit."""
        if self.principal.kind != "staff" or not patients:
            return None
        return await break_glass_reason(self._conn, self.principal, patients)

    @property
    def _purpose_user(self) -> str | None:
        """Whose running break-glass a read reports as its purpose (staff only)."""
        return self.principal.subject if self.principal.kind == "staff" else None

    async def _refused(self, action: AuditAction, resource_type: str, resource_id: str) -> None:
        """Note a refusal: the patient of a hidden resource is named for the audit (never
        for the caller, who sees the same 404 as for an unknown id)."""
        hidden = await repository.find(self._conn, resource_type, resource_id)
        patient = hidden.patient_nhs if hidden is not None else None
        self.refusals.append(Refusal(action, f"{resource_type}/{resource_id}", patient))
