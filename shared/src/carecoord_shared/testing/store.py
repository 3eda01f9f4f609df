"""An in-memory unit of work and the interactions that open it, for handler unit tests."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import orjson

from carecoord_shared.fhir.gathering import Gathered
from carecoord_shared.fhir.outcome import (
    JsonObject,
    bad_request,
    business_rule,
    conflict,
    forbidden,
    gone,
    not_found,
    precondition_failed,
)
from carecoord_shared.fhir.registry import Check, FhirRegistry, Interaction, ResourceDefinition
from carecoord_shared.fhir.unit_of_work import FhirTransaction, NewBodies
from carecoord_shared.ports import Repository, RepositoryT
from carecoord_shared.security.principal import Principal
from carecoord_shared.store.indexing import evaluate, index_rows, patient_nhs_of
from carecoord_shared.store.repository import StoredResource
from carecoord_shared.store.search import SearchResult
from carecoord_shared.testing.ports import AuditedAccess, InMemoryGrants, InMemoryOutbox

__all__ = ["InMemoryInteractions", "InMemoryTransaction"]


def _stamp(body: JsonObject, resource_id: str, version: int, when: datetime) -> bytes:
    meta = {"versionId": str(version), "lastUpdated": when.isoformat().replace("+00:00", "Z")}
    return orjson.dumps({**body, "id": resource_id, "meta": meta})


class InMemoryTransaction(FhirTransaction):
    """A unit of work over dictionaries: the same checks a handler relies on (scope,
    validation, relationship, versions, If-Match), simple equality search."""

    def __init__(
        self,
        registry: FhirRegistry,
        principal: Principal,
        *,
        repositories: Mapping[type[Repository], Repository] | None = None,
        authorised: bool = True,
    ) -> None:
        self.registry = registry
        self.principal = principal
        self.authorised = authorised
        self.fake_grants = InMemoryGrants(registry.grant_reasons)
        self.fake_outbox = InMemoryOutbox(registry.event_source or "urn:carecoord:test")
        self.grants = self.fake_grants
        self.outbox = self.fake_outbox
        self._repositories = dict(repositories or {})
        self.versions: dict[tuple[str, str], list[StoredResource]] = {}
        self._ids = itertools.count(1)
        self.refusals = []
        self.links: dict[str, str] = {}
        self.accesses: list[AuditedAccess] = []
        """What `record_access` audited, in order (the fake keeps it to be asserted)."""
        self._gathered = Gathered()

    async def finish(self) -> None:
        """The gathered work, as a real unit of work does before it commits."""
        await self._gathered.flush(self)

    def repository(self, kind: type[RepositoryT]) -> RepositoryT:
        found = self._repositories.get(kind)
        if not isinstance(found, kind):
            raise LookupError(f"no fake registered for {kind.__name__}")
        return found

    async def may_access(self, patient_nhs: str | None) -> bool:
        return patient_nhs is None or self.fake_grants.allows(self.principal, patient_nhs)

    async def audit(self, action: Any, entity: str, seen: Sequence[StoredResource]) -> None:
        return None

    async def record_access(
        self, action: Any, entity: str, patients: Sequence[str], *, purpose: str | None = None
    ) -> None:
        self.accesses.append(
            AuditedAccess(self.principal.subject, str(action), entity, tuple(patients), purpose)
        )

    def _current(self, resource_type: str, resource_id: str) -> StoredResource | None:
        versions = self.versions.get((resource_type, resource_id))
        return versions[-1] if versions else None

    async def read(
        self, resource_type: str, resource_id: str, *, lock: bool = False
    ) -> StoredResource:
        self.definition(resource_type, Interaction.READ)
        stored = self._current(resource_type, resource_id)
        if stored is None or not await self.may_access(stored.patient_nhs):
            raise not_found(resource_type, resource_id)
        if stored.deleted:
            raise gone(resource_type, resource_id)
        return stored

    async def link_patient(self, patient_id: str, patient_nhs: str) -> None:
        self.links[patient_id] = patient_nhs

    def _patient(self, definition: ResourceDefinition, body: JsonObject) -> str | None:
        """As the real unit of work ties a body to its patient (NHS number, or a
        `Patient/<id>` stored here or linked from the register), refusing untied ones."""
        patient = patient_nhs_of(definition, body)
        element = definition.patient_element
        if patient is None and element is not None:
            for reference in evaluate(f"{element}.reference", body):
                patient_id = str(reference).removeprefix("Patient/")
                stored = self._current("Patient", patient_id)
                patient = stored.patient_nhs if stored else self.links.get(patient_id)
                if patient is not None:
                    break
        if patient is None and definition.patient_required:
            raise business_rule(f"A {definition.type} must name its patient", (element or "",))
        return patient

    def _store(
        self, definition: ResourceDefinition, resource_id: str, body: JsonObject | None
    ) -> StoredResource:
        history = self.versions.setdefault((definition.type, resource_id), [])
        when = datetime.now(UTC)
        patient = self._patient(definition, body) if body is not None else None
        if body is None and history:
            patient = history[-1].patient_nhs
        content = _stamp(body, resource_id, len(history) + 1, when) if body is not None else None
        stored = StoredResource(
            next(self._ids),
            definition.type,
            resource_id,
            len(history) + 1,
            when,
            body is None,
            content,
            patient,
        )
        history.append(stored)
        return stored

    async def _claim(
        self, definition: ResourceDefinition, criteria: str, new_id: str | None
    ) -> StoredResource | str | None:
        found = await self.search(definition.type, parse_qsl(criteria.lstrip("?")))
        if len(found.matches) > 1:
            raise precondition_failed("If-None-Exist matches more than one resource")
        return found.matches[0] if found.matches else new_id

    async def _store_new(self, bodies: NewBodies, *, check_access: bool) -> list[StoredResource]:
        stored = [self._store(d, i or f"fake-{next(self._ids)}", b) for d, b, i in bodies]
        for each in stored:
            if check_access and not await self.may_access(each.patient_nhs):
                raise forbidden("You have no care relationship with this patient")
        return stored

    async def create_absent(
        self,
        resource_type: str,
        items: Sequence[tuple[JsonObject, str]],
        *,
        check: Check = "full",
    ) -> list[tuple[StoredResource, bool]]:
        return [await self.create(resource_type, b, if_none_exist=c) for b, c in items]

    async def _replace(
        self, definition: ResourceDefinition, body: JsonObject, if_match: int | None
    ) -> tuple[StoredResource, bool]:
        resource_type, resource_id = definition.type, str(body["id"])
        current = self._current(resource_type, resource_id)
        if current is not None and not await self.may_access(current.patient_nhs):
            raise not_found(resource_type, resource_id)
        if current is None and not definition.update_create:
            raise not_found(resource_type, resource_id)
        if if_match is not None and (current is None or current.version_id != if_match):
            raise precondition_failed(f"Version {if_match} is stale")
        stored = self._store(definition, resource_id, dict(body))
        if not await self.may_access(stored.patient_nhs):
            raise forbidden("You have no care relationship with this patient")
        return stored, current is None

    async def delete(self, resource_type: str, resource_id: str) -> StoredResource | None:
        definition = self.definition(resource_type, Interaction.DELETE)
        current = self._current(resource_type, resource_id)
        if current is None or current.deleted:
            return None
        return self._store(definition, resource_id, None)

    async def search(
        self, resource_type: str, items: Sequence[tuple[str, str]], *, strict: bool = True
    ) -> SearchResult:
        definition = self.definition(resource_type, Interaction.SEARCH)
        criteria = [(name, value) for name, value in items if not name.startswith("_")]
        ids = {i for name, value in items if name == "_id" for i in value.split(",")}
        supported = ("_count", "_id")
        unsupported = [name for name, _ in items if name.startswith("_") and name not in supported]
        if unsupported:
            raise bad_request(f"The in-memory store does not support {unsupported[0]}")
        matches = [
            stored
            for (kind, resource_id), versions in self.versions.items()
            if kind == resource_type
            and (not ids or resource_id in ids)
            and not (stored := versions[-1]).deleted
            and await self.may_access(stored.patient_nhs)
            and all(_matches(definition, stored, name, value) for name, value in criteria)
        ]
        return SearchResult(matches, [], len(matches), None)

    async def conflicting(self) -> None:
        """What a unique-key race does in the real unit of work."""
        raise conflict("A conflicting change was written at the same time; retry")


def _matches(definition: ResourceDefinition, stored: StoredResource, name: str, value: str) -> bool:
    """Equality on token (`code`, `system|code`) and reference (`Type/id`) parameters."""
    base, _, modifier = name.partition(":")
    param = definition.param(base)
    usable = modifier in ("", "identifier") and param is not None
    if not usable or param is None or param.type not in ("token", "reference", "string"):
        raise bad_request(f"The in-memory store cannot search by {name[:40]}")
    rows = [r for r in index_rows(definition, stored.as_json()) if r.param == name]
    wanted = value.split(",")
    for row in rows:
        for candidate in wanted:
            system, bar, code = candidate.rpartition("|")
            if param.type == "string" and row.value and row.value.startswith(candidate.casefold()):
                return True
            if row.value == (code if bar else candidate) and (not system or row.system == system):
                return True
    return False


Unit = contextlib.AbstractAsyncContextManager[FhirTransaction]


class InMemoryInteractions:
    """`FhirInteractions` over one in-memory store: what an operation handler or a job
    receives (`call.fhir`), so either can be unit-tested on the fakes. Every unit of
    work it opens shares the store and acts for the principal it is opened with."""

    def __init__(self, store: InMemoryTransaction) -> None:
        self.store = store
        self.registry = store.registry

    @contextlib.asynccontextmanager
    async def _unit(self, principal: Principal, authorised: bool) -> AsyncIterator[FhirTransaction]:
        previous = (self.store.principal, self.store.authorised)
        self.store.principal, self.store.authorised = principal, authorised
        try:
            yield self.store
            await self.store.finish()
        finally:
            self.store.principal, self.store.authorised = previous

    def transaction(self, principal: Principal) -> Unit:
        return self._unit(principal, False)

    def operation(self, principal: Principal) -> Unit:
        return self._unit(principal, True)

    def reads(self, principal: Principal) -> Unit:
        return self._unit(principal, False)
