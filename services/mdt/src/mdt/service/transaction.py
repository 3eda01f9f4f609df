"""The unit of work behind every MDT operation and event handler.

MDT resources other than the team itself (meetings, case lists, case and action
Tasks, outcome Compositions) change only through this service's operations, so the
public registry serves them read-only and these writes go through a second registry
that allows them. The operation has already made the scope check for what it does
(`require_operation`), so `ServiceTransaction` does not ask again for each resource it
writes on the caller's behalf; the relationship check, validation, versioning, audit
(in the caller's name) and the outbox all still apply, in one commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from carecoord_shared.fhir.outcome import conflict, unknown_route
from carecoord_shared.fhir.registry import (
    ALL_INTERACTIONS,
    FhirRegistry,
    Interaction,
    ResourceDefinition,
)
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security.principal import Principal
from carecoord_shared.security.scopes import parse_scopes

RULES_PRINCIPAL = Principal(
    subject="mdt-rules",
    kind="system",
    role="system",
    organisation=None,
    nhs_number=None,
    scopes=parse_scopes("system/*.cruds"),
)
"""Who the audit trail names when a rule or the escalation job changes MDT records."""


def writable(registry: FhirRegistry) -> FhirRegistry:
    """The same definitions, every one writable (for this service's own handlers)."""
    internal = FhirRegistry(registry.service)
    internal.add(*(replace(d, interactions=ALL_INTERACTIONS) for d in registry.all()))
    return internal


class ServiceTransaction(FhirTransaction):
    """A FhirTransaction whose writes were authorised by the operation that makes them."""

    def definition(self, resource_type: str, interaction: Interaction) -> ResourceDefinition:
        found = self.registry.get(resource_type)
        if found is None:
            raise unknown_route(f"This server does not serve {resource_type[:40]} resources")
        return found


def service_transaction(
    conn: AsyncConnection, registry: FhirRegistry, principal: Principal
) -> ServiceTransaction:
    return ServiceTransaction(conn, registry, principal)


@asynccontextmanager
async def unit_of_work(
    engine: AsyncEngine, registry: FhirRegistry, principal: Principal
) -> AsyncIterator[ServiceTransaction]:
    """One operation's unit of work; a race lost on a unique key answers 409."""
    try:
        async with engine.begin() as conn:
            yield ServiceTransaction(conn, registry, principal)
    except IntegrityError:
        raise conflict("A conflicting change was written at the same time; retry") from None
