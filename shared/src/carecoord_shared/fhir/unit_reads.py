"""The reading half of the unit of work: scope, relationship filter, audit, ports.

`FhirReads` is what every unit of work can do without writing resources: read,
vread, history and search (each filtered by the caller's relationships in the SQL
and audited, refusals included), and hand out the ports (grants, outbox, the
service's repositories). `FhirTransaction` adds the writes.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.fhir.gathering import Gathered, Gathering, K, V
from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM
from carecoord_shared.fhir.outcome import (
    forbidden,
    gone,
    not_found,
    unknown_route,
)
from carecoord_shared.fhir.registry import (
    FhirRegistry,
    Interaction,
    ResourceDefinition,
)
from carecoord_shared.fhir.resource_checks import (
    access_rule,
    definition_for,
    owned_access_rule,
)
from carecoord_shared.fhir.unit_audit import ASK, AuditedUnit
from carecoord_shared.ports import (
    Grants,
    Outbox,
    PostgresGrants,
    PostgresOutbox,
    Repository,
    RepositoryT,
)
from carecoord_shared.security import access
from carecoord_shared.security.audit import write_rows
from carecoord_shared.security.audit_group import audit_group, is_autocommit
from carecoord_shared.security.break_glass import record_break_glass
from carecoord_shared.security.principal import Principal
from carecoord_shared.store import search
from carecoord_shared.store import versions as version_store
from carecoord_shared.store.indexing import owner_of
from carecoord_shared.store.patients import link_patient
from carecoord_shared.store.reads import find_visible
from carecoord_shared.store.repository import AccessRule, StoredResource, allow_all


@lru_cache(maxsize=4096)
def _rules(principal: Principal) -> tuple[AccessRule, AccessRule]:
    """The caller's relationship rule and its rule for `owned` types, built once per
    caller: each gives the same SQL condition object every time, so the statements
    built on it are compiled once (see `store.reads`)."""
    rule = access_rule(principal)
    return rule, lru_cache(maxsize=8)(owned_access_rule(principal, rule))


class FhirReads(AuditedUnit):
    """Reads of one caller on one connection: scope-checked, filtered by the caller's
    relationships in the SQL, and audited (refusals too)."""

    def __init__(
        self,
        conn: AsyncConnection,
        registry: FhirRegistry,
        principal: Principal,
        *,
        authorised: bool = False,
    ) -> None:
        super().__init__(conn, principal)
        self.registry = registry
        self.rule, self._owned_rule = _rules(principal)
        self.authorised = authorised
        self.grants: Grants = PostgresGrants(conn, registry.grant_reasons)
        self.outbox: Outbox = PostgresOutbox(conn, registry.topic, registry.event_source)
        self._repositories: dict[type[Repository], Repository] = {}
        self._gathered = Gathered()

    def gather(self, gathering: Gathering[K, V], key: K, value: V) -> None:
        """`gathering` does its work for `key` once, when the unit of work finishes."""
        self._gathered.add(gathering, key, value)

    async def finish(self) -> None:
        """Before the unit of work commits: gathered work, then its audit trail."""
        await self._gathered.flush(self)  # type: ignore[arg-type]  # FhirTransaction's
        rows = self.audit_trail.take()
        if is_autocommit(self._conn):  # reads only: written with concurrent reads' rows
            await audit_group(self._conn).write(self._conn, rows)
            rows = []
        await self._write_last(rows)

    async def _write_last(self, audit_rows: list[dict[str, Any]]) -> None:
        """The last statement of a unit of work in a transaction: its audit rows."""
        await write_rows(self._conn, audit_rows)

    def repository(self, kind: type[RepositoryT]) -> RepositoryT:
        """The service's own repository `kind`, on this unit of work's connection."""
        found = self._repositories.get(kind)
        if found is None:
            found = self._repositories[kind] = kind(self._conn)
        assert isinstance(found, kind)
        return found

    async def link_patient(self, patient_id: str, patient_nhs: str) -> None:
        """Record the register's `Patient/<patient_id>` as this NHS number."""
        await link_patient(self._conn, patient_id, patient_nhs)

    async def may_access(self, patient_nhs: str | None) -> bool:
        """The caller's relationship with the patient (no patient: nothing to check)."""
        return await access.can_access(self._conn, self.principal, patient_nhs)

    async def break_glass(self, patient_nhs: str, code: str, reason: str, minutes: int) -> None:
        await record_break_glass(self._conn, self.principal, patient_nhs, reason, minutes, code)

    async def vread(self, resource_type: str, resource_id: str, version: int) -> StoredResource:
        self.definition(resource_type, Interaction.VREAD)
        stored = await version_store.vread(
            self._conn, resource_type, resource_id, version, self.rule_for(resource_type)
        )
        await self.audit("R", stored.reference, [stored])
        return stored

    async def history(
        self, resource_type: str, resource_id: str
    ) -> list[tuple[StoredResource, str]]:
        self.definition(resource_type, Interaction.HISTORY)
        current, versions = await version_store.history(
            self._conn, resource_type, resource_id, self.rule_for(resource_type)
        )
        await self.audit("R", current.reference, [current])
        return versions

    async def recent(
        self, resource_types: Sequence[str], count: int, since: datetime | None
    ) -> list[tuple[StoredResource, str]]:
        """Type- or system-level history, for the types the caller may read."""
        readable = [
            t
            for t in resource_types
            if self.principal.allows(t, "r") and self.rule_for(t) is self.rule
        ]
        if not readable:
            raise forbidden("Your access does not allow reading the history of these types")
        versions = await version_store.recent_versions(
            self._conn, readable, self.rule, count, since
        )
        entity = f"{'|'.join(resource_types)}/_history"[:200]
        await self.audit("R", entity, [stored for stored, _ in versions])
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
        rule = self.rule_for(definition.type)
        result = await search.search(
            self._conn,
            self.registry,
            definition,
            query,
            rule,
            include_access=self.rule,
            purpose_user=self._purpose_user,
        )
        result.included = [r for r in result.included if self._may_include(r)]
        entity = f"{definition.type}?{search.query_string(query)}"[:500]
        seen = [*result.matches, *result.included]
        purpose = result.purpose if not result.included else ASK
        await self._audit_read("E", entity, seen, purpose)
        if not result.matches:
            await self._audit_hidden_patient(definition, query, entity)
        return result

    async def _audit_hidden_patient(
        self, definition: ResourceDefinition, query: search.SearchQuery, entity: str
    ) -> None:
        """A search naming a patient by NHS number that came back empty only because the
        caller may not see them is a refusal, and is audited as one (outcome 4)."""
        named = sorted(
            {
                value.rpartition("|")[2]
                for criterion in query.criteria
                for value in criterion.values
                if value.startswith(f"{NHS_NUMBER_SYSTEM}|")
            }
        )
        if not named or self.principal.kind == "system":
            return
        probe = dataclasses.replace(query, count=1, includes=[], revincludes=[], cursor=None)
        hidden = await search.search(self._conn, self.registry, definition, probe, allow_all)
        if hidden.matches:
            self.audit_trail.add("E", entity, named, "4")

    @contextlib.contextmanager
    def as_service(self) -> Iterator[None]:
        """Within the block the service itself writes (a Provenance it keeps, a record
        read-only over REST): the caller's scopes do not decide, its relationship,
        validation, audit and outbox still apply."""
        previous, self.authorised = self.authorised, True
        try:
            yield
        finally:
            self.authorised = previous

    def _may_include(self, stored: StoredResource) -> bool:
        """An included resource as a read of its own would be judged: the caller's scope
        for its type, and for an `owned` type its owner."""
        if not self.principal.allows(stored.resource_type, "r"):
            return False
        if self.rule_for(stored.resource_type) is self.rule:
            return True
        return owner_of(stored.as_json()) == self.principal.subject

    def rule_for(self, resource_type: str) -> AccessRule:
        """The access rule for one type: the relationship rule, and for an `owned` type
        also ownership (unless the caller is an administrator or the service itself)."""
        definition = self.registry.get(resource_type)
        return self._owned_rule if definition is not None and definition.owned else self.rule

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

    async def read(
        self, resource_type: str, resource_id: str, *, lock: bool = False
    ) -> StoredResource:
        """The current version (404 unknown or not visible to this caller, 410 deleted).

        `lock` takes the row lock, so a read-decide-write operation cannot interleave."""
        self.definition(resource_type, Interaction.READ)
        stored, purpose = await find_visible(
            self._conn,
            resource_type,
            resource_id,
            self.rule_for(resource_type),
            purpose_user=self._purpose_user,
            for_update=lock,
        )
        if stored is None:
            await self._refused("R", resource_type, resource_id)
            raise not_found(resource_type, resource_id)
        if stored.deleted:
            raise gone(resource_type, resource_id)
        await self._audit_read("R", stored.reference, [stored], purpose)
        return stored

    async def search(
        self, resource_type: str, items: Sequence[tuple[str, str]], *, strict: bool = True
    ) -> search.SearchResult:
        definition = self.definition(resource_type, Interaction.SEARCH)
        query, _ = search.parse_query(self.registry, definition, items, strict=strict)
        return await self.run_search(definition, query)
