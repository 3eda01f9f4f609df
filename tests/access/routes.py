"""The rows of the access matrix, generated from each service's own registry.

Nothing here is listed by hand: for every declared type about a patient (one with
`patient_nhs`), every interaction it declares becomes a row (read, vread, instance
and type history, a search per search parameter and `_id`, an `_include` per
reference parameter, an `_revinclude` from every type whose reference parameter
targets a served type, create, update, patch, delete), plus a vread and history of a
record that moved from patient A to patient B (old versions are judged by their own
patient), and every instance-level operation on the type (or on Patient, which is
always about a patient). A type or parameter a service adds later is in the matrix
the next time it runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from carecoord_shared.fhir.operations import Operation
from carecoord_shared.fhir.registry import FhirRegistry, Interaction, ResourceDefinition
from carecoord_shared.security.scopes import Interaction as Letter

SERVICES = ("referrals", "care_plans", "mdt", "portal")

READS = {
    "read": Interaction.READ,
    "vread": Interaction.VREAD,
    "history": Interaction.HISTORY,
    "type-history": Interaction.HISTORY,
    "vread-moved": Interaction.VREAD,
    "history-moved": Interaction.HISTORY,
}
WRITES = {
    "create": Interaction.CREATE,
    "update": Interaction.UPDATE,
    "patch": Interaction.PATCH,
    "delete": Interaction.DELETE,
}
LETTERS: dict[str, Letter] = {"create": "c", "update": "u", "patch": "u", "delete": "d"}


@dataclass(frozen=True, slots=True)
class Route:
    service: str
    kind: str
    """read, vread, history, type-history, vread-moved, history-moved, search, include,
    revinclude, create, update, patch, delete or operation."""
    resource_type: str
    """The type about patient A whose data must not leak."""
    detail: str = ""
    """The search parameter, the included reference parameter, the revinclude
    (`param@Target`, searched on Target) or the operation's code."""

    @property
    def id(self) -> str:
        detail = f":{self.detail}" if self.detail else ""
        return f"{self.service}:{self.kind}:{self.resource_type}{detail}"

    @property
    def searched_type(self) -> str:
        """The type in the URL (a revinclude searches the type it points at)."""
        return self.detail.split("@")[1] if self.kind == "revinclude" else self.resource_type

    def success_status(self) -> int:
        """The one status a write answers the legitimate caller with: create 201, update
        and patch 200, delete 204; an operation the status it declares."""
        if self.kind == "operation":
            return operation_named(self.service, self.resource_type, self.detail).status
        return {"create": 201, "update": 200, "patch": 200, "delete": 204}[self.kind]

    def scope_needs(self) -> tuple[tuple[str, Letter], ...]:
        """What the caller's scopes must allow for this route to reach the store."""
        if self.kind in READS:
            return ((self.resource_type, "r"),)
        if self.kind in LETTERS:
            return ((self.resource_type, LETTERS[self.kind]),)
        if self.kind == "revinclude":
            return ((self.searched_type, "s"), (self.resource_type, "s"))
        if self.kind == "operation":
            operation = operation_named(self.service, self.resource_type, self.detail)
            letter = operation.scope_letter or ("u" if operation.changes_state else "r")
            return ((operation.scope_type or self.resource_type, letter),)
        return ((self.resource_type, "s"),)


@cache
def registry(service: str) -> FhirRegistry:
    """The service's registry exactly as its app builds it (no I/O: settings only)."""
    definition = importlib.import_module(f"{service}.definition").SERVICE
    settings = definition.settings(
        environment="test",
        database_url="postgresql+asyncpg://unused/unused",
        auth_jwks_url="file:///unused/jwks.json",
    )
    return definition.registry(settings, definition.context(settings, lambda: datetime.now(UTC)))


def about_patients(service: str) -> list[ResourceDefinition]:
    return [d for d in registry(service).all() if d.patient_nhs is not None]


def operation_named(service: str, resource_type: str, code: str) -> Operation:
    return next(
        op
        for op in registry(service).operations
        if op.resource == resource_type and op.code == code and op.level == "instance"
    )


def _type_rows(service: str, definition: ResourceDefinition) -> Iterator[Route]:
    t = definition.type
    for kind, interaction in {**READS, **WRITES}.items():
        if interaction in definition.interactions:
            yield Route(service, kind, t)
    if Interaction.SEARCH not in definition.interactions:
        return
    for name in ("_id", *(p.name for p in definition.search_params)):
        yield Route(service, "search", t, name)
    for param in definition.reference_params:
        yield Route(service, "include", t, param.name)


def _revinclude_rows(service: str) -> Iterator[Route]:
    served = registry(service)
    for source in about_patients(service):
        for param in source.reference_params:
            for target in param.targets:
                found = served.get(target)
                if found is not None and Interaction.SEARCH in found.interactions:
                    yield Route(service, "revinclude", source.type, f"{param.name}@{target}")


def _operation_rows(service: str) -> Iterator[Route]:
    about = {d.type for d in about_patients(service)} | {"Patient"}
    for operation in registry(service).operations:
        if operation.level == "instance" and operation.resource in about:
            yield Route(service, "operation", operation.resource, operation.code)


@cache
def matrix_routes(service: str) -> tuple[Route, ...]:
    rows: list[Route] = []
    for definition in about_patients(service):
        rows.extend(_type_rows(service, definition))
    rows.extend(_revinclude_rows(service))
    rows.extend(_operation_rows(service))
    return tuple(rows)


def all_routes() -> list[Route]:
    return [route for service in SERVICES for route in matrix_routes(service)]
