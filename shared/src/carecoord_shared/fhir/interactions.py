"""The FHIR RESTful interactions, each one unit of work.

Every interaction checks the caller's scope for the resource type, applies the
relationship rule as part of its SQL, writes the resource, its change events (through
the type's change hook, into the outbox) and the AuditEvent in one transaction, and
returns what the route renders. Routes stay thin; services reuse these for their
own operations instead of writing storage code of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jsonpatch
import jsonpointer
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from carecoord_shared.fhir.identifiers import nhs_number_issues
from carecoord_shared.fhir.outcome import (
    Issue,
    JsonObject,
    bad_request,
    conflict,
    forbidden,
    invalid,
    method_not_allowed,
    precondition_failed,
    precondition_required,
    unknown_route,
)
from carecoord_shared.fhir.parsing import validate_resource
from carecoord_shared.fhir.registry import (
    Change,
    FhirRegistry,
    Interaction,
    ResourceDefinition,
    WriteContext,
)
from carecoord_shared.security import access, audit
from carecoord_shared.security.audit import AuditAction
from carecoord_shared.security.principal import Principal
from carecoord_shared.security.scopes import Interaction as ScopeLetter
from carecoord_shared.store import repository, search
from carecoord_shared.store.indexing import patient_nhs_of
from carecoord_shared.store.repository import AccessRule, StoredResource
from carecoord_shared.store.tables import conditional_create

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


def _patients(resources: Sequence[StoredResource]) -> list[str]:
    return sorted({r.patient_nhs for r in resources if r.patient_nhs})


@dataclass(frozen=True, slots=True)
class SearchPage:
    result: search.SearchResult
    query: search.SearchQuery
    warnings: list[Issue]


class FhirInteractions:
    """The resource store behind the FHIR API of one service."""

    def __init__(self, engine: AsyncEngine, registry: FhirRegistry) -> None:
        self.engine = engine
        self.registry = registry

    def definition(
        self, principal: Principal, resource_type: str, interaction: Interaction
    ) -> ResourceDefinition:
        found = self.registry.get(resource_type)
        if found is None:
            raise unknown_route(f"This server does not serve {resource_type[:40]} resources")
        if interaction not in found.interactions:
            raise method_not_allowed(f"{interaction.value} is not supported for {resource_type}")
        if not principal.allows(resource_type, _LETTER[interaction]):
            raise forbidden(f"Your access does not allow {interaction.value} on {resource_type}")
        return found

    def check(
        self, definition: ResourceDefinition, body: JsonObject, resource_id: str | None
    ) -> JsonObject:
        validate_resource(body, definition.type)
        if resource_id is not None and body.get("id") not in (None, resource_id):
            raise bad_request("The resource id does not match the URL", (f"{definition.type}.id",))
        issues = nhs_number_issues(body)
        for rule in definition.validators:
            issues.extend(rule(body))
        if issues:
            raise invalid(issues)
        return body

    # -- reads -------------------------------------------------------------------------
    async def read(
        self, principal: Principal, resource_type: str, resource_id: str
    ) -> StoredResource:
        self.definition(principal, resource_type, Interaction.READ)
        async with self.engine.begin() as conn:
            stored = await repository.read(conn, resource_type, resource_id, access_rule(principal))
            await audit.record(conn, principal, "R", stored.reference, _patients([stored]))
        return stored

    async def vread(
        self, principal: Principal, resource_type: str, resource_id: str, version: int
    ) -> StoredResource:
        self.definition(principal, resource_type, Interaction.VREAD)
        async with self.engine.begin() as conn:
            stored = await repository.vread(
                conn, resource_type, resource_id, version, access_rule(principal)
            )
            await audit.record(conn, principal, "R", stored.reference, _patients([stored]))
        return stored

    async def history(
        self, principal: Principal, resource_type: str, resource_id: str
    ) -> list[tuple[StoredResource, str]]:
        self.definition(principal, resource_type, Interaction.HISTORY)
        async with self.engine.begin() as conn:
            current, versions = await repository.history(
                conn, resource_type, resource_id, access_rule(principal)
            )
            await audit.record(conn, principal, "R", current.reference, _patients([current]))
        return versions

    async def search(
        self,
        principal: Principal,
        resource_type: str,
        items: Sequence[tuple[str, str]],
        *,
        strict: bool,
    ) -> SearchPage:
        definition = self.definition(principal, resource_type, Interaction.SEARCH)
        query, warnings = search.parse_query(self.registry, definition, items, strict=strict)
        async with self.engine.begin() as conn:
            result = await search.search(
                conn, self.registry, definition, query, access_rule(principal)
            )
            seen = _patients([*result.matches, *result.included])
            if seen:
                entity = f"{resource_type}?{urlencode(query.link_params)}"[:500]
                await audit.record(conn, principal, "E", entity, seen)
        return SearchPage(result, query, warnings)

    # -- writes ------------------------------------------------------------------------
    async def _may_write_about(
        self,
        conn: AsyncConnection,
        principal: Principal,
        definition: ResourceDefinition,
        body: JsonObject,
    ) -> str | None:
        patient = patient_nhs_of(definition, body)
        if patient and not await access.can_access(conn, principal, patient):
            raise forbidden("You have no care relationship with this patient")
        return patient

    async def _changed(
        self,
        conn: AsyncConnection,
        principal: Principal,
        definition: ResourceDefinition,
        change: Change,
    ) -> None:
        action: AuditAction = _AUDIT_ACTION[change.kind]
        patients = [change.patient_nhs] if change.patient_nhs else []
        await audit.record(conn, principal, action, f"{change.resource_type}/{change.id}", patients)
        if definition.on_change is not None:
            await definition.on_change(WriteContext(conn, principal), change)

    async def create(
        self,
        principal: Principal,
        resource_type: str,
        body: JsonObject,
        *,
        if_none_exist: str | None = None,
    ) -> tuple[StoredResource, bool]:
        """Create (or, with `if_none_exist`, find). Returns the resource and whether it is new."""
        definition = self.definition(principal, resource_type, Interaction.CREATE)
        self.check(definition, body, None)
        body.pop("id", None)
        try:
            async with self.engine.begin() as conn:
                await self._may_write_about(conn, principal, definition, body)
                new_id = None
                if if_none_exist is not None:
                    claim = await self._claim(conn, principal, definition, if_none_exist)
                    if isinstance(claim, StoredResource):
                        await audit.record(
                            conn, principal, "R", claim.reference, _patients([claim])
                        )
                        return claim, False
                    new_id = claim
                stored = await repository.create(conn, definition, body, new_id)
                await self._changed(
                    conn,
                    principal,
                    definition,
                    Change("create", resource_type, stored.id, 1, body, None, stored.patient_nhs),
                )
        except IntegrityError:
            raise conflict(f"A conflicting {resource_type} was written at the same time") from None
        return stored, True

    async def _claim(
        self,
        conn: AsyncConnection,
        principal: Principal,
        definition: ResourceDefinition,
        criteria: str,
    ) -> StoredResource | str:
        """Race-safe `If-None-Exist`: the existing match, or the id the new resource takes.

        A primary key on (type, normalised criteria) decides between concurrent
        creators: the loser's insert waits for the winner's commit, then finds the
        winner's resource. A key whose resource no longer matches is taken over.
        """
        items = sorted(parse_qsl(criteria.lstrip("?"), keep_blank_values=True))
        query, _ = search.parse_query(self.registry, definition, items, strict=True)
        if not query.criteria:
            raise bad_request("If-None-Exist has no search criteria", ("If-None-Exist",))
        query.count = 2
        rule = access_rule(principal)

        async def existing() -> StoredResource | None:
            found = await search.search(conn, self.registry, definition, query, rule)
            if len(found.matches) > 1:
                raise precondition_failed("If-None-Exist matches more than one resource")
            return found.matches[0] if found.matches else None

        if (match := await existing()) is not None:
            return match
        new_id = repository.new_id()
        key = conditional_create.c
        claimed = (
            await conn.execute(
                pg_insert(conditional_create)
                .values(
                    resource_type=definition.type, criteria=urlencode(items), resource_id=new_id
                )
                .on_conflict_do_nothing()
                .returning(key.resource_id)
            )
        ).scalar_one_or_none()
        if claimed is not None:
            return new_id
        # Someone holds the key. Lock it (waiting for their commit), then look again:
        # their resource if it still matches, else the key is stale and this caller
        # takes it over while holding the lock, so only one creator can.
        await conn.execute(
            sa.select(key.resource_id)
            .where(key.resource_type == definition.type, key.criteria == urlencode(items))
            .with_for_update()
        )
        if (match := await existing()) is not None:
            return match
        await conn.execute(
            sa.update(conditional_create)
            .where(key.resource_type == definition.type, key.criteria == urlencode(items))
            .values(resource_id=new_id)
        )
        return new_id

    async def update(
        self,
        principal: Principal,
        resource_type: str,
        resource_id: str,
        body: JsonObject,
        *,
        if_match: int | None,
        interaction: Interaction = Interaction.UPDATE,
    ) -> tuple[StoredResource, bool]:
        """Replace a resource (update-as-create when it does not exist yet)."""
        definition = self.definition(principal, resource_type, interaction)
        if definition.require_if_match and if_match is None:
            raise precondition_required(
                f"Updates to {resource_type} need If-Match with the version you read"
            )
        self.check(definition, body, resource_id)
        try:
            async with self.engine.begin() as conn:
                stored, previous = await repository.update(
                    conn,
                    definition,
                    resource_id,
                    body,
                    if_match=if_match,
                    access=access_rule(principal),
                )
                # After the visibility check (a hidden resource answers 404, never 403);
                # the transaction rolls back if the new content is about someone else.
                await self._may_write_about(conn, principal, definition, body)
                created = stored.version_id == 1
                await self._changed(
                    conn,
                    principal,
                    definition,
                    Change(
                        "create" if created else "update",
                        resource_type,
                        resource_id,
                        stored.version_id,
                        body,
                        previous,
                        stored.patient_nhs,
                    ),
                )
        except IntegrityError:
            raise conflict(f"{resource_type}/{resource_id} was written at the same time") from None
        return stored, created

    async def patch(
        self,
        principal: Principal,
        resource_type: str,
        resource_id: str,
        operations: list[Any],
        *,
        if_match: int | None,
    ) -> StoredResource:
        """JSON Patch (RFC 6902) applied to the current version, then a checked update."""
        definition = self.definition(principal, resource_type, Interaction.PATCH)
        if definition.require_if_match and if_match is None:
            raise precondition_required(
                f"Patches to {resource_type} need If-Match with the version you read"
            )
        async with self.engine.connect() as conn:
            current = await repository.read(
                conn, resource_type, resource_id, access_rule(principal)
            )
        if if_match is not None and if_match != current.version_id:
            raise precondition_failed(
                f"Version {if_match} is stale: {resource_type}/{resource_id} is at version "
                f"{current.version_id}. Read it again, reapply your change and retry."
            )
        patched = apply_json_patch(current.as_json(), operations)
        patched.pop("meta", None)
        stored, _ = await self.update(
            principal,
            resource_type,
            resource_id,
            patched,
            if_match=current.version_id,
            interaction=Interaction.PATCH,
        )
        return stored

    async def delete(self, principal: Principal, resource_type: str, resource_id: str) -> None:
        definition = self.definition(principal, resource_type, Interaction.DELETE)
        async with self.engine.begin() as conn:
            removed = await repository.remove(conn, definition, resource_id, access_rule(principal))
            if removed is not None:
                stored, previous = removed
                await self._changed(
                    conn,
                    principal,
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


def apply_json_patch(document: JsonObject, operations: list[Any]) -> JsonObject:
    try:
        patched = jsonpatch.apply_patch(document, operations)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError, KeyError):
        raise invalid([Issue("processing", "The JSON Patch could not be applied")]) from None
    if not isinstance(patched, dict):
        raise bad_request("The JSON Patch must leave a resource")
    return patched
