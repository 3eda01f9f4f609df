"""The FHIR RESTful interactions of a service, each one unit of work.

Every interaction opens a `FhirTransaction` (scope check, relationship rule in the
SQL, validation, versioning, audit, change hook into the outbox, one commit) and
returns what the route renders. Routes stay thin; a service's own operations use
`FhirInteractions.transaction` to change several resources in one commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import jsonpatch
import jsonpointer
from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_shared.fhir.outcome import (
    Issue,
    JsonObject,
    bad_request,
    invalid,
    precondition_failed,
    precondition_required,
)
from carecoord_shared.fhir.parsing import check_id
from carecoord_shared.fhir.registry import FhirRegistry, Interaction, Write
from carecoord_shared.fhir.unit_of_work import (
    FhirTransaction,
    definition_for,
    fhir_reads,
    fhir_transaction,
)
from carecoord_shared.security.principal import Principal
from carecoord_shared.store import search
from carecoord_shared.store.repository import StoredResource


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

    def transaction(self, principal: Principal) -> AbstractAsyncContextManager[FhirTransaction]:
        return fhir_transaction(self.engine, self.registry, principal)

    def operation(self, principal: Principal) -> AbstractAsyncContextManager[FhirTransaction]:
        """The unit of work of an operation that has already checked its own permission."""
        return fhir_transaction(self.engine, self.registry, principal, authorised=True)

    def reads(self, principal: Principal) -> AbstractAsyncContextManager[FhirTransaction]:
        return fhir_reads(self.engine, self.registry, principal)

    async def read(
        self, principal: Principal, resource_type: str, resource_id: str
    ) -> StoredResource:
        async with self.reads(principal) as tx:
            return await tx.read(resource_type, resource_id)

    async def vread(
        self, principal: Principal, resource_type: str, resource_id: str, version: int
    ) -> StoredResource:
        async with self.reads(principal) as tx:
            return await tx.vread(resource_type, resource_id, version)

    async def history(
        self, principal: Principal, resource_type: str, resource_id: str
    ) -> list[tuple[StoredResource, str]]:
        async with self.reads(principal) as tx:
            return await tx.history(resource_type, resource_id)

    async def search(
        self,
        principal: Principal,
        resource_type: str,
        items: Sequence[tuple[str, str]],
        *,
        strict: bool,
    ) -> SearchPage:
        definition = definition_for(self.registry, principal, resource_type, Interaction.SEARCH)
        query, warnings = search.parse_query(self.registry, definition, items, strict=strict)
        async with self.reads(principal) as tx:
            result = await tx.run_search(definition, query)
        return SearchPage(result, query, warnings)

    async def create(
        self,
        principal: Principal,
        resource_type: str,
        body: JsonObject,
        *,
        if_none_exist: str | None = None,
    ) -> tuple[StoredResource, bool]:
        async with self.transaction(principal) as tx:
            stored, created = await tx.write(
                Write("create", resource_type, None, body, if_none_exist=if_none_exist)
            )
        assert stored is not None  # a create always stores or finds one
        return stored, created

    async def update(
        self,
        principal: Principal,
        resource_type: str,
        resource_id: str,
        body: JsonObject,
        *,
        if_match: int | None,
    ) -> tuple[StoredResource, bool]:
        async with self.transaction(principal) as tx:
            stored, created = await tx.write(
                Write("update", resource_type, resource_id, body, if_match)
            )
        assert stored is not None  # an update always stores a version
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
        definition = definition_for(self.registry, principal, resource_type, Interaction.PATCH)
        if definition.require_if_match and if_match is None:
            raise precondition_required(
                f"Patches to {resource_type} need If-Match with the version you read"
            )
        async with self.transaction(principal) as tx:
            current = await tx.read(resource_type, resource_id, lock=True)
            if if_match is not None and if_match != current.version_id:
                raise precondition_failed(
                    f"Version {if_match} is stale: {resource_type}/{resource_id} is at version "
                    f"{current.version_id}. Read it again, reapply your change and retry."
                )
            patched = apply_json_patch(current.as_json(), operations)
            patched.pop("meta", None)
            write = Write(
                "update", resource_type, resource_id, patched, current.version_id, patch=True
            )
            stored, _ = await tx.write(write)
        assert stored is not None
        return stored

    async def conditional_update(
        self, principal: Principal, resource_type: str, query: str, body: JsonObject
    ) -> tuple[StoredResource, bool]:
        async with self.transaction(principal) as tx:
            stored, created = await tx.write(
                await conditional_write(tx, resource_type, query, body)
            )
        assert stored is not None
        return stored, created

    async def delete(self, principal: Principal, resource_type: str, resource_id: str) -> None:
        async with self.transaction(principal) as tx:
            await tx.write(Write("delete", resource_type, resource_id, None))


async def conditional_write(
    tx: FhirTransaction, resource_type: str, query: str, body: JsonObject
) -> Write:
    """Conditional update (`PUT Type?criteria`) as the write it stands for. One match:
    update that one (the body's id, if any, must agree); none: create (with the body's
    id only where the type allows update-as-create); several: 412, the criteria are not
    selective enough."""
    items = parse_qsl(query, keep_blank_values=True)
    if not items:
        raise bad_request("A conditional update needs search criteria", (resource_type,))
    found = await tx.search(resource_type, [*items, ("_count", "2")])
    given = body.get("id")
    if len(found.matches) > 1:
        raise precondition_failed("The conditional update's criteria match several resources")
    if found.matches:
        target = found.matches[0].id
        if given not in (None, target):
            text = "The resource id does not match the one the criteria found"
            raise bad_request(text, (f"{resource_type}.id",))
        return Write("update", resource_type, target, body, None)
    definition = tx.registry.get(resource_type)
    if given and definition is not None and definition.update_create:
        return Write("update", resource_type, check_id(resource_type, str(given)), body, None)
    return Write("create", resource_type, None, {k: v for k, v in body.items() if k != "id"})


def apply_json_patch(document: JsonObject, operations: list[Any]) -> JsonObject:
    try:
        patched = jsonpatch.apply_patch(document, operations)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError, KeyError):
        raise invalid([Issue("processing", "The JSON Patch could not be applied")]) from None
    if not isinstance(patched, dict):
        raise bad_request("The JSON Patch must leave a resource")
    return patched
