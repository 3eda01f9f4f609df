"""The service directory is configuration, not clinical data: who may change it.

Organizations, HealthcareServices (advice-line phone numbers among them) and
PractitionerRoles (on-call rotas) decide where requests go and whom a paramedic rings,
so only a directory administrator (role `admin`) or a system client (the directory
loader) writes them. Everyone else is refused (403, audited as a refusal) whatever
their SMART scopes say: a GP's `user/*.cruds` does not make them an administrator.
Anyone with read scope may still read and search the directory.
"""

from __future__ import annotations

from typing import Final

from carecoord_shared.fhir.outcome import forbidden
from carecoord_shared.fhir.registry import Write, WriteHandler
from carecoord_shared.fhir.unit_of_work import FhirTransaction, Refusal
from carecoord_shared.security.audit import AuditAction
from carecoord_shared.store.repository import StoredResource

CONFIGURATION: Final = ("Organization", "HealthcareService", "PractitionerRole")
DIRECTORY_ADMINISTRATOR: Final = "admin"
_ACTION: Final[dict[str, AuditAction]] = {"create": "C", "update": "U", "delete": "D"}


def may_configure(tx: FhirTransaction) -> bool:
    """A directory administrator, a system client, or the service itself."""
    principal = tx.principal
    if tx.authorised or principal.kind == "system":
        return True
    return principal.kind == "staff" and principal.role == DIRECTORY_ADMINISTRATOR


async def configure(tx: FhirTransaction, write: Write) -> tuple[StoredResource | None, bool]:
    if not may_configure(tx):
        entity = write.resource_type + (f"/{write.resource_id}" if write.resource_id else "")
        tx.refusals.append(Refusal(_ACTION[write.kind], entity, None))
        raise forbidden(f"Only a directory administrator may change {write.resource_type}")
    return await tx.store_write(write)


def writes() -> dict[str, WriteHandler]:
    """The REST writes of every directory type."""
    return dict.fromkeys(CONFIGURATION, configure)
