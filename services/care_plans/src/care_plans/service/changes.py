"""How this service handles a REST write: store it, then act on what it changed.

The kernel hands a REST write to the type's handler (`ResourceDefinition.writes`).
Every handler here stores it through the unit of work and then runs the type's
effect (registration, the register, Provenance, the plan index, events) in the same
unit of work, but only on a real change: a delete of nothing, or a conditional
create that found the resource already there, changed nothing and announces nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from care_plans.service.context import CarePlansContext
from carecoord_shared.fhir.outcome import FhirError, JsonObject
from carecoord_shared.fhir.registry import Write, WriteHandler
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource


@dataclass(frozen=True, slots=True)
class Change:
    """What one write stored: the new version (or the deletion), whether it created the
    resource, and (for the types that ask) the version it replaced."""

    stored: StoredResource
    created: bool
    previous: JsonObject | None = None

    @property
    def current(self) -> JsonObject | None:
        """The resource as written (None when it was deleted)."""
        return None if self.stored.deleted else self.stored.as_json()


Effect = Callable[[FhirTransaction, Change, CarePlansContext], Awaitable[None]]


async def _before(tx: FhirTransaction, write: Write) -> JsonObject | None:
    """The current version a write replaces or removes (locked), or None when there is
    none: a create, an update that creates, a deleted resource."""
    if write.kind == "create" or write.resource_id is None:
        return None
    try:
        current = await tx.read(write.resource_type, write.resource_id, lock=True)
    except FhirError as error:
        if error.status in (404, 410):
            return None
        raise
    return current.as_json()


def after_write(
    effect: Effect, context: CarePlansContext, *, with_previous: bool = False
) -> WriteHandler:
    """A type's write handler: store the write, then run `effect` on the change."""

    async def handle(tx: FhirTransaction, write: Write) -> tuple[StoredResource | None, bool]:
        previous = await _before(tx, write) if with_previous else None
        stored, created = await tx.store_write(write)
        nothing = stored is None or (write.kind == "create" and not created)
        if stored is not None and not nothing:
            await effect(tx, Change(stored, created, previous), context)
        return stored, created

    return handle
