"""Audit records with a purpose of use, which the unit of work's own audit cannot say.

The paramedic summary is read for one purpose only (an advice call about the
patient), and its AuditEvent says so. The kernel's unit of work audits every read,
but without a purpose; until it offers one, this repository writes the kernel's
audit row on the unit of work's connection.
"""

from __future__ import annotations

from carecoord_shared.ports import Repository
from carecoord_shared.security import audit
from carecoord_shared.security.audit import AuditAction
from carecoord_shared.security.principal import Principal

__all__ = ["AuditTrail"]


class AuditTrail(Repository):
    async def record(
        self, principal: Principal, action: AuditAction, entity: str, patient: str, purpose: str
    ) -> None:
        await audit.record(self._conn, principal, action, entity, patient, purpose=purpose)
