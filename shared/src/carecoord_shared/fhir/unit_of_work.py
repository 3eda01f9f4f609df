"""One unit of work over a service's resource store: the seam operations are built on.

`FhirTransaction` is a database transaction seen through FHIR. Every read in it is
filtered by the caller's relationships and audited; every write is validated,
checked against the caller's scopes and relationships, versioned, audited and handed
to the type's change hook (which writes its events into the outbox) — all committing
or rolling back together. The REST interactions use it for one resource at a time;
an operation such as `$triage` uses it to change several resources atomically.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import partial

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from carecoord_shared.fhir.conditional_create import claim_conditional_create
from carecoord_shared.fhir.identifiers import nhs_number_issues
from carecoord_shared.fhir.outcome import (
    JsonObject,
    bad_request,
    conflict,
    forbidden,
    gone,
    invalid,
    method_not_allowed,
    not_found,
    precondition_required,
    unknown_route,
)
from carecoord_shared.fhir.parsing import validate_resource
from carecoord_shared.fhir.registry import (
    Change,
    ChangeKind,
    FhirRegistry,
    Interaction,
    ResourceDefinition,
    Write,
)
from carecoord_shared.ports import (
    Grants,
    Outbox,
    PostgresGrants,
    PostgresOutbox,
    Repository,
    RepositoryT,
)
from carecoord_shared.security import access, audit
from carecoord_shared.security.audit import AuditAction
from carecoord_shared.security.break_glass import record_break_glass
from carecoord_shared.security.principal import Principal
from carecoord_shared.security.scopes import Interaction as ScopeLetter
from carecoord_shared.store import repository, search
from carecoord_shared.store.repository import AccessRule, StoredResource

_LETTER: dict[Interaction, ScopeLetter] = {
    Interaction.READ: "r",
    Interaction.VREAD: "r",
    Interaction.HISTORY: "r",
    Interaction.SEARCH: "s",
    Interaction.CREATE: "c",
    Interaction.UPDATE: "u",
    Interaction.PATCH: "u",
    Interaction.DELETE: "d",
}
_AUDIT_ACTION: dict[str, AuditAction] = {"create": "C", "update": "U", "delete": "D"}


def access_rule(principal: Principal) -> AccessRule:
    return partial(access.patient_access_predicate, principal)


def patients_of(resources: Sequence[StoredResource]) -> list[str]:
    return sorted({r.patient_nhs for r in resources if r.patient_nhs})


def definition_for(
    registry: FhirRegistry, principal: Principal, resource_type: str, interaction: Interaction
) -> ResourceDefinition:
    """The declared type, if it supports `interaction` and the caller's scopes allow it."""
    found = registry.get(resource_type)
    if found is None:
        raise unknown_route(f"This server does not serve {resource_type[:40]} resources")
    if interaction not in found.interactions:
        raise method_not_allowed(f"{interaction.value} is not supported for {resource_type}")
    if not principal.allows(resource_type, _LETTER[interaction]):
        raise forbidden(f"Your access does not allow {interaction.value} on {resource_type}")
    return found


def checked(
    definition: ResourceDefinition, body: JsonObject, resource_id: str | None
) -> JsonObject:
    """Valid R4 of the right type, matching id, valid NHS numbers, the type's own rules."""
    validate_resource(body, definition.type)
    if resource_id is not None and body.get("id") not in (None, resource_id):
        raise bad_request("The resource id does not match the URL", (f"{definition.type}.id",))
    issues = nhs_number_issues(body)
    for rule in definition.validators:
        issues.extend(rule(body))
    if issues:
        raise invalid(issues)
    return body


class FhirTransaction:
    """Reads and writes of one caller inside one database transaction."""

    def __init__(
        self,
        conn: AsyncConnection,
        registry: FhirRegistry,
        principal: Principal,
        *,
        authorised: bool = False,
    ) -> None:
        self._conn = conn
        self.registry = registry
        self.principal = principal
        self.rule = access_rule(principal)
        self.authorised = authorised
        self.grants: Grants = PostgresGrants(conn, registry.grant_reasons)
        self.outbox: Outbox = PostgresOutbox(conn, registry.topic, registry.event_source)
        self._repositories: dict[type[Repository], Repository] = {}

    def repository(self, kind: type[RepositoryT]) -> RepositoryT:
        """The service's own repository `kind`, on this unit of work's connection."""
        found = self._repositories.get(kind)
        if found is None:
            found = self._repositories[kind] = kind(self._conn)
        assert isinstance(found, kind)
        return found

    async def may_access(self, patient_nhs: str | None) -> bool:
        """The caller's relationship with the patient (no patient: nothing to check)."""
        return await access.can_access(self._conn, self.principal, patient_nhs)

    async def break_glass(self, patient_nhs: str, code: str, reason: str, minutes: int) -> None:
        await record_break_glass(self._conn, self.principal, patient_nhs, reason, minutes, code)

    async def vread(self, resource_type: str, resource_id: str, version: int) -> StoredResource:
        self.definition(resource_type, Interaction.VREAD)
        stored = await repository.vread(self._conn, resource_type, resource_id, version, self.rule)
        await self.audit("R", stored.reference, [stored])
        return stored

    async def history(
        self, resource_type: str, resource_id: str
    ) -> list[tuple[StoredResource, str]]:
        self.definition(resource_type, Interaction.HISTORY)
        current, versions = await repository.history(
            self._conn, resource_type, resource_id, self.rule
        )
        await self.audit("R", current.reference, [current])
        return versions

    async def run_search(
        self, definition: ResourceDefinition, query: search.SearchQuery
    ) -> search.SearchResult:
        """A search already parsed and checked against the caller's scope. Scopes apply
        to every resource returned: a `_revinclude` of a type the caller may not search
        is refused, and included resources of a type it may not read are left out."""
        for spec in query.revincludes:
            if not self.principal.allows(spec.source_type, "s"):
                raise forbidden(f"Your access does not allow searching {spec.source_type}")
        result = await search.search(self._conn, self.registry, definition, query, self.rule)
        result.included = [
            r for r in result.included if self.principal.allows(r.resource_type, "r")
        ]
        entity = f"{definition.type}?{search.query_string(query)}"[:500]
        await self.audit("E", entity, [*result.matches, *result.included])
        return result

    def definition(self, resource_type: str, interaction: Interaction) -> ResourceDefinition:
        """The declared type, checked for the REST interaction and the caller's scope —
        unless an operation that has made its own permission check runs this unit of
        work (`authorised`): then it may write types that are read-only over REST.
        Relationships, validation, versioning, audit and the outbox apply either way."""
        if self.authorised:
            found = self.registry.get(resource_type)
            if found is None:
                raise unknown_route(f"This server does not serve {resource_type[:40]} resources")
            return found
        return definition_for(self.registry, self.principal, resource_type, interaction)

    async def audit(self, action: AuditAction, entity: str, seen: Sequence[StoredResource]) -> None:
        patients = patients_of(seen)
        if patients or action != "E":
            purpose = await self._broken_glass_purpose(patients)
            await audit.record(
                self._conn, self.principal, action, entity, patients, purpose=purpose
            )

    async def _broken_glass_purpose(self, patients: Sequence[str]) -> str | None:
        """A staff read of a patient under a running break-glass says so in its audit."""
        if self.principal.kind != "staff" or not patients:
            return None
        return await access.break_glass_reason(self._conn, self.principal, patients)

    async def read(
        self, resource_type: str, resource_id: str, *, lock: bool = False
    ) -> StoredResource:
        """The current version (404 unknown or not visible to this caller, 410 deleted).

        `lock` takes the row lock, so a read-decide-write operation cannot interleave."""
        self.definition(resource_type, Interaction.READ)
        stored = await repository.find(
            self._conn, resource_type, resource_id, self.rule, for_update=lock
        )
        if stored is None:
            raise not_found(resource_type, resource_id)
        if stored.deleted:
            raise gone(resource_type, resource_id)
        await self.audit("R", stored.reference, [stored])
        return stored

    async def search(
        self, resource_type: str, items: Sequence[tuple[str, str]], *, strict: bool = True
    ) -> search.SearchResult:
        definition = self.definition(resource_type, Interaction.SEARCH)
        query, _ = search.parse_query(self.registry, definition, items, strict=strict)
        return await self.run_search(definition, query)

    async def _may_write_about(self, patient: str | None) -> None:
        """The relationship check for what was just written (the store derived the
        patient once); a refusal rolls the whole unit of work back."""
        if patient and not await self.may_access(patient):
            raise forbidden("You have no care relationship with this patient")

    async def _changed(self, definition: ResourceDefinition, change: Change) -> None:
        """Audit the change. Events are the handler's to announce, explicitly, through
        `outbox`: the store never calls back up into a service."""
        patients = [change.patient_nhs] if change.patient_nhs else []
        await audit.record(
            self._conn,
            self.principal,
            _AUDIT_ACTION[change.kind],
            f"{change.resource_type}/{change.id}",
            patients,
        )

    async def create(
        self, resource_type: str, body: JsonObject, *, if_none_exist: str | None = None
    ) -> tuple[StoredResource, bool]:
        """Create (or, with `if_none_exist`, find). Returns the resource and whether it is new."""
        definition = self.definition(resource_type, Interaction.CREATE)
        checked(definition, body, None)
        body.pop("id", None)
        new_id = None
        if if_none_exist is not None:
            claim = await claim_conditional_create(
                self._conn, self.registry, definition, self.rule, if_none_exist
            )
            if isinstance(claim, StoredResource):
                await self.audit("R", claim.reference, [claim])
                return claim, False
            new_id = claim
        stored = await repository.create(self._conn, definition, body, new_id)
        await self._may_write_about(stored.patient_nhs)
        await self._changed(
            definition,
            Change("create", resource_type, stored.id, 1, body, None, stored.patient_nhs),
        )
        return stored, True

    async def update(
        self,
        resource_type: str,
        resource_id: str,
        body: JsonObject,
        *,
        if_match: int | None,
        interaction: Interaction = Interaction.UPDATE,
    ) -> tuple[StoredResource, bool]:
        """Replace a resource (update-as-create when it does not exist yet)."""
        definition = self.definition(resource_type, interaction)
        if definition.require_if_match and if_match is None:
            raise precondition_required(
                f"Changes to {resource_type} need If-Match with the version you read"
            )
        checked(definition, body, resource_id)
        stored, previous = await repository.update(
            self._conn, definition, resource_id, body, if_match=if_match, access=self.rule
        )
        # After the visibility check (a hidden resource answers 404, never 403); the
        # transaction rolls back if the new content is about someone else.
        await self._may_write_about(stored.patient_nhs)
        kind: ChangeKind = "create" if stored.version_id == 1 else "update"
        await self._changed(
            definition,
            Change(
                kind,
                resource_type,
                resource_id,
                stored.version_id,
                body,
                previous,
                stored.patient_nhs,
            ),
        )
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
                write.resource_type, write.body, if_none_exist=write.if_none_exist
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
            )
        return await self.delete(write.resource_type, write.resource_id), False

    async def delete(self, resource_type: str, resource_id: str) -> StoredResource | None:
        definition = self.definition(resource_type, Interaction.DELETE)
        removed = await repository.remove(self._conn, definition, resource_id, self.rule)
        if removed is None:
            return None
        stored, previous = removed
        await self._changed(
            definition,
            Change(
                "delete",
                resource_type,
                resource_id,
                stored.version_id,
                None,
                previous,
                stored.patient_nhs,
            ),
        )
        return stored


@asynccontextmanager
async def fhir_reads(
    engine: AsyncEngine, registry: FhirRegistry, principal: Principal
) -> AsyncIterator[FhirTransaction]:
    """Reads only, each statement on its own (autocommit): the AuditEvent insert follows
    the read it records, and data is returned only once that insert has succeeded.
    Half the round trips of a transaction (no BEGIN/COMMIT) on the busiest path."""
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        yield FhirTransaction(conn, registry, principal)


@asynccontextmanager
async def fhir_transaction(
    engine: AsyncEngine, registry: FhirRegistry, principal: Principal, *, authorised: bool = False
) -> AsyncIterator[FhirTransaction]:
    """A unit of work; a write that races another on a unique key answers 409."""
    try:
        async with engine.begin() as conn:
            yield FhirTransaction(conn, registry, principal, authorised=authorised)
    except IntegrityError:
        raise conflict("A conflicting change was written at the same time; retry") from None
