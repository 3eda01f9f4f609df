"""How this service handles a REST write: store it, then act on what it changed.

The kernel hands a REST write to the type's handler (`ResourceDefinition.writes`).
Every handler here adds the patient's NHS number beside a `Patient/<id>` reference,
stores the write through the unit of work and then runs the type's effect
(registration, the register, Provenance, the plan index, events) in the same unit of
work, but only on a real change: a delete of nothing, or a conditional
create that found the resource already there, changed nothing and announces nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from care_plans.service.context import CarePlansContext
from care_plans.store.register import RegisterRepository
from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM
from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.reading import read_or_none
from carecoord_shared.fhir.registry import Write, WriteHandler
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource


@dataclass(frozen=True, slots=True)
class Change:
    """What one write stored: the new version (or the deletion), whether it created the
    resource, and (for the types that ask) the version it replaced."""

    stored: StoredResource
    created: bool
    replaced: StoredResource | None = None

    @property
    def current(self) -> JsonObject | None:
        """The resource as written (None when it was deleted)."""
        return None if self.stored.deleted else self.stored.as_json()

    @property
    def previous(self) -> JsonObject | None:
        """The version it replaced, for the types that ask for it."""
        return None if self.replaced is None else self.replaced.as_json()

    @property
    def patients(self) -> list[str]:
        """Whom the change is about: the patient now, and the one before if it moved."""
        named = [self.stored.patient_nhs, self.replaced and self.replaced.patient_nhs]
        return list(dict.fromkeys(p for p in named if p))


Effect = Callable[[FhirTransaction, Change, CarePlansContext], Awaitable[None]]


async def identify_patient(tx: FhirTransaction, write: Write) -> None:
    """A body naming its patient only as `Patient/<id>` of this register gets the NHS
    number beside the reference, so it is found by NHS number as by reference (a GP
    system searches `patient:identifier=`). One naming no one the register holds is
    left as it is, for the kernel to tie (the register's links) or refuse (422)."""
    definition = tx.registry.get(write.resource_type)
    if write.body is None or definition is None or definition.patient_element is None:
        return
    named = write.body.get(definition.patient_element.split(".", 1)[1])
    if not isinstance(named, dict) or named.get("identifier") is not None:
        return
    reference = named.get("reference")
    if isinstance(reference, str) and reference.startswith("Patient/"):
        found = await tx.repository(RegisterRepository).nhs_number_of(reference[8:])
        if found is not None:
            named["identifier"] = {"system": NHS_NUMBER_SYSTEM, "value": found}


async def _before(tx: FhirTransaction, write: Write) -> StoredResource | None:
    """The current version a write replaces or removes (locked), or None when there is
    none: a create, an update that creates, a deleted resource."""
    if write.kind == "create" or write.resource_id is None:
        return None
    return await read_or_none(tx, write.resource_type, write.resource_id, lock=True)


def after_write(
    effect: Effect, context: CarePlansContext, *, with_previous: bool = False
) -> WriteHandler:
    """A type's write handler: store the write, then run `effect` on the change."""

    async def handle(tx: FhirTransaction, write: Write) -> tuple[StoredResource | None, bool]:
        await identify_patient(tx, write)
        previous = await _before(tx, write) if with_previous else None
        stored, created = await tx.store_write(write)
        nothing = stored is None or (write.kind == "create" and not created)
        if stored is not None and not nothing:
            await effect(tx, Change(stored, created, previous), context)
        return stored, created

    return handle
