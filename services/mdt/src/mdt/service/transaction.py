"""The unit of work behind every MDT operation and event handler.

MDT resources other than the team itself (meetings, case lists, case and action
Tasks, outcome Compositions) change only through this service's operations, so the
registry serves them read-only over REST and the operations write them in an
`authorised` kernel unit of work: the operation has already made the scope and
membership checks for what it does (`require_operation`), so the unit of work does
not ask again for each resource it writes on the caller's behalf; the relationship
check, validation, versioning, audit (in the caller's name) and the outbox all still
apply, in one commit.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.fhir.unit_of_work import FhirTransaction, fhir_transaction
from carecoord_shared.security.principal import Principal
from carecoord_shared.security.scopes import parse_scopes

ServiceTransaction = FhirTransaction

RULES_PRINCIPAL = Principal(
    subject="mdt-rules",
    kind="system",
    role="system",
    organisation=None,
    nhs_number=None,
    scopes=parse_scopes("system/*.cruds"),
)
"""Who the audit trail names when a rule or the escalation job changes MDT records."""


def service_transaction(
    conn: AsyncConnection, registry: FhirRegistry, principal: Principal
) -> FhirTransaction:
    return FhirTransaction(conn, registry, principal, authorised=True)


def unit_of_work(
    engine: AsyncEngine, registry: FhirRegistry, principal: Principal
) -> AbstractAsyncContextManager[FhirTransaction]:
    """One operation's unit of work; a race lost on a unique key answers 409."""
    return fhir_transaction(engine, registry, principal, authorised=True)
