"""One unit of work over a service's resource store: the seam operations are built on.

`FhirTransaction` is a database transaction seen through FHIR. Every read in it is
filtered by the caller's relationships and audited; every write is validated,
checked against the caller's scopes and relationships, versioned, audited and handed
to the type's handler (its events queued for the outbox), all committing or rolling
back together: one resource for a REST write, several for an operation or a run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from carecoord_shared.events.batched import BatchedOutbox
from carecoord_shared.fhir.conditional_batch import Absent, create_absent
from carecoord_shared.fhir.conditional_create import claim_conditional_create
from carecoord_shared.fhir.outcome import (
    FhirError,
    JsonObject,
    conflict,
    forbidden,
    precondition_required,
)
from carecoord_shared.fhir.registry import (
    ChangeKind,
    Check,
    FhirRegistry,
    Interaction,
    ResourceDefinition,
    Write,
)
from carecoord_shared.fhir.resource_checks import (
    AUDIT_ACTION,
    Creation,
    NewBodies,
    access_rule,
    checked,
    checked_new,
    definition_for,
    patients_of,
)
from carecoord_shared.fhir.unit_reads import FhirReads
from carecoord_shared.security import audit
from carecoord_shared.security.audit import Refusal
from carecoord_shared.security.principal import Principal
from carecoord_shared.store import repository
from carecoord_shared.store.patients import tied_patient
from carecoord_shared.store.repository import StoredResource

__all__ = ["FhirTransaction", "NewBodies", "fhir_reads", "fhir_transaction"]
# what the unit of work's users find here too
__all__ += ["FhirReads", "Refusal", "access_rule", "checked", "definition_for", "patients_of"]


class FhirTransaction(FhirReads):
    """Reads and writes of one caller inside one database transaction."""

    def __init__(self, conn: AsyncConnection, *args: Any, **kwargs: Any) -> None:
        super().__init__(conn, *args, **kwargs)
        self._events = BatchedOutbox(conn, self.registry.topic, self.registry.event_source)
        self.outbox = self._events
        self._may_write: set[str] = set()  # patients the caller was found allowed

    async def _write_last(self, audit_rows: list[dict[str, Any]]) -> None:
        """The audit rows and the events announced: one statement (events announced in
        a unit of work without a transaction are refused, as `outbox.add_many` says)."""
        await self._events.flush(audit_rows)

    async def _may_write_about(self, patient: str | None, stored: StoredResource) -> None:
        """The relationship check for what was just written (once per patient in a unit
        of work); a refusal rolls the whole unit of work back, and is audited."""
        if not await self.may_access(patient):
            self.refusals.append(Refusal("C", stored.reference, patient))
            raise forbidden("You have no care relationship with this patient")

    async def may_access(self, patient_nhs: str | None) -> bool:
        """The caller's relationship with the patient, asked once per unit of work."""
        if patient_nhs is None or patient_nhs in self._may_write:
            return True
        allowed = await super().may_access(patient_nhs)
        if allowed:
            self._may_write.add(patient_nhs)
        return allowed

    def _changed(self, kind: ChangeKind, stored: StoredResource) -> None:
        """Audit the change (events are the handler's to announce, through `outbox`)."""
        patients = [stored.patient_nhs] if stored.patient_nhs else []
        self.audit_trail.add(AUDIT_ACTION[kind], stored.reference, patients)

    async def create(
        self,
        resource_type: str,
        body: JsonObject,
        *,
        if_none_exist: str | None = None,
        resource_id: str | None = None,
        prechecked: bool = False,
    ) -> tuple[StoredResource, bool]:
        """Create (or, with `if_none_exist`, find): the resource and whether it is new.
        `resource_id`: the id chosen beforehand (a transaction Bundle's `urn:uuid`, say);
        `prechecked`: the body validated, its patient's relationship checked, already."""
        definition = self.definition(resource_type, Interaction.CREATE)
        if not prechecked:
            checked(definition, body, None)
        body.pop("id", None)
        if if_none_exist is not None:
            claim = await self._claim(definition, if_none_exist, resource_id)
            if isinstance(claim, StoredResource):
                await self.audit("R", claim.reference, [claim])
                return claim, False
            resource_id = claim
        fresh = [(definition, body, resource_id)]
        [stored] = await self._store_new(fresh, check_access=not prechecked)
        return stored, True

    async def _claim(
        self, definition: ResourceDefinition, criteria: str, new_id: str | None
    ) -> StoredResource | str | None:
        """If-None-Exist: the one match, or the id the new resource takes (race-safe)."""
        return await claim_conditional_create(
            self._conn, self.registry, definition, self.rule_for(definition.type), criteria, new_id
        )

    async def create_many(
        self, resource_type: str, bodies: Sequence[JsonObject], *, check: Check = "full"
    ) -> list[StoredResource]:
        """Create several resources of one type in one statement (a run's Provenance)."""
        return await self.create_together([(resource_type, b, None, check) for b in bodies])

    async def create_together(self, new: Sequence[Creation]) -> list[StoredResource]:
        """Create resources of any types in one statement, in order, each checked as its
        `Check` says, then tied, relationship-checked and audited as `create` does."""
        made = checked_new(partial(self.definition, interaction=Interaction.CREATE), new)
        return await self._store_new(made, check_access=True)

    async def create_absent(
        self, resource_type: str, items: Absent, *, check: Check = "full"
    ) -> list[tuple[StoredResource, bool]]:
        """`create` with `if_none_exist` for each (body, criteria), in few statements
        (`conditional_batch`): each resource and whether it is new, in order."""
        definition = self.definition(resource_type, Interaction.CREATE)
        store = partial(self._store_new, check_access=True)
        return await create_absent(self._conn, self, definition, items, store, check)

    async def _store_new(self, bodies: NewBodies, *, check_access: bool) -> list[StoredResource]:
        tied = [
            (definition, b, i, await tied_patient(self._conn, self.principal, definition, b))
            for definition, b, i in bodies
        ]
        stored = await repository.create_many(self._conn, tied)
        for each in stored:
            if check_access:
                await self._may_write_about(each.patient_nhs, each)
            self._changed("create", each)
        return stored

    async def update(
        self,
        resource_type: str,
        resource_id: str,
        body: JsonObject,
        *,
        if_match: int | None,
        interaction: Interaction = Interaction.UPDATE,
        check: Check = "full",
    ) -> tuple[StoredResource, bool]:
        """Replace a resource (update-as-create when it does not exist yet)."""
        definition = self.definition(resource_type, interaction)
        if definition.require_if_match and if_match is None:
            raise precondition_required(
                f"Changes to {resource_type} need If-Match with the version you read"
            )
        checked(definition, body, resource_id, check=check)
        body["id"] = resource_id
        return await self._replace(definition, body, if_match)

    async def _replace(
        self, definition: ResourceDefinition, body: JsonObject, if_match: int | None
    ) -> tuple[StoredResource, bool]:
        """`update` once the body is checked: store it as the next version (or version 1)."""
        resource_type, resource_id = definition.type, str(body["id"])
        patient = await tied_patient(self._conn, self.principal, definition, body)
        try:
            stored, _ = await repository.update(
                self._conn,
                definition,
                resource_id,
                body,
                if_match=if_match,
                access=self.rule_for(resource_type),
                patient_nhs=patient,
            )
        except FhirError as error:
            if error.status == 404:
                await self._refused("U", resource_type, resource_id)
            raise
        # After the visibility check (a hidden resource answers 404, never 403); the
        # transaction rolls back if the new content is about someone else.
        await self._may_write_about(stored.patient_nhs, stored)
        kind: ChangeKind = "create" if stored.version_id == 1 else "update"
        self._changed(kind, stored)
        return stored, kind == "create"

    async def write(self, write: Write) -> tuple[StoredResource | None, bool]:
        """A REST write: the type's own handler if it declares one, else the store's."""
        definition = self.registry.get(write.resource_type)
        if definition is not None and definition.writes is not None:
            return await definition.writes(self, write)
        return await self.store_write(write)

    async def store_write(self, write: Write) -> tuple[StoredResource | None, bool]:
        """The plain write of `write` (what a type's own handler calls to store it);
        a delete answers the removed version (None if there was nothing to remove)."""
        if write.kind == "create":
            assert write.body is not None
            return await self.create(
                write.resource_type,
                write.body,
                if_none_exist=write.if_none_exist,
                resource_id=write.resource_id,
            )
        assert write.resource_id is not None
        if write.kind == "update":
            assert write.body is not None
            interaction = Interaction.PATCH if write.patch else Interaction.UPDATE
            return await self.update(
                write.resource_type,
                write.resource_id,
                write.body,
                if_match=write.if_match,
                interaction=interaction,
                check=write.check,
            )
        return await self.delete(write.resource_type, write.resource_id), False

    async def delete(self, resource_type: str, resource_id: str) -> StoredResource | None:
        definition = self.definition(resource_type, Interaction.DELETE)
        removed = await repository.remove(
            self._conn, definition, resource_id, self.rule_for(resource_type)
        )
        if removed is None:
            return None
        stored = removed[0]
        self._changed("delete", stored)
        return stored


async def _audit_refusals(engine: AsyncEngine, tx: FhirTransaction) -> None:
    """Refusals outlive the unit of work that refused: written (one statement) on a
    connection of their own, after it rolled back."""
    if tx.refusals:
        trail = audit.AuditTrail(tx.principal)
        for refusal in tx.refusals:
            trail.add(refusal.action, refusal.entity, refusal.patient_nhs, "4")
        async with engine.begin() as conn:
            await trail.write(conn)


@asynccontextmanager
async def fhir_reads(
    engine: AsyncEngine, registry: FhirRegistry, principal: Principal
) -> AsyncIterator[FhirTransaction]:
    """Reads only, in autocommit (no BEGIN/COMMIT): the AuditEvent rows of every read are
    inserted (one statement) when the block ends, so data is returned once they are durable."""
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        tx = FhirTransaction(conn, registry, principal)
        try:
            yield tx
        except FhirError:
            await tx.finish()  # what was read before the refusal was still read
            await _audit_refusals(engine, tx)
            raise
        await tx.finish()


@asynccontextmanager
async def fhir_transaction(
    engine: AsyncEngine, registry: FhirRegistry, principal: Principal, *, authorised: bool = False
) -> AsyncIterator[FhirTransaction]:
    """A unit of work; a write that races another on a unique key answers 409."""
    tx: FhirTransaction | None = None
    try:
        async with engine.begin() as conn:
            tx = FhirTransaction(conn, registry, principal, authorised=authorised)
            yield tx
            await tx.finish()
    except IntegrityError:
        raise conflict("A conflicting change was written at the same time; retry") from None
    except FhirError:
        if tx is not None:
            await _audit_refusals(engine, tx)
        raise
