"""What a service serves: its resource types, search parameters and operations.

A service declares each resource type once (interactions, search parameters as
FHIRPath, where the patient's NHS number is, rules, and the hook that turns a change
into outbox events). The REST router, the search engine and `/fhir/metadata` are all
driven by these declarations, so the CapabilityStatement never claims anything the
service cannot do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from carecoord_shared.fhir.outcome import Issue, JsonObject

if TYPE_CHECKING:
    from carecoord_shared.fhir.operations import Operation
    from carecoord_shared.fhir.unit_of_work import FhirTransaction
    from carecoord_shared.store.repository import StoredResource


class Interaction(StrEnum):
    READ = "read"
    VREAD = "vread"
    UPDATE = "update"
    PATCH = "patch"
    DELETE = "delete"
    HISTORY = "history-instance"
    CREATE = "create"
    SEARCH = "search-type"


ALL_INTERACTIONS = frozenset(Interaction)
READ_ONLY = frozenset(
    {Interaction.READ, Interaction.VREAD, Interaction.HISTORY, Interaction.SEARCH}
)

SearchParamType = Literal["token", "reference", "date", "string"]


@dataclass(frozen=True, slots=True)
class SearchParam:
    """A search parameter: its values are what `expression` (FHIRPath) yields."""

    name: str
    type: SearchParamType
    expression: str
    targets: tuple[str, ...] = ()
    documentation: str = ""


ChangeKind = Literal["create", "update", "delete"]
Check = Literal["full", "server_built", "done"]
"""What `checked` still has to do for a body written: all of it (`full`); all but the R4
model validation (`server_built`: the service built it from validated parts, never set
from a request, as a stored version or shapes its tests validate); nothing (`done`:
checked in this unit of work already)."""


@dataclass(frozen=True, slots=True)
class Change:
    """A committed-to-be change to one resource, handed to the type's change hook."""

    kind: ChangeKind
    resource_type: str
    id: str
    version_id: int
    resource: JsonObject | None
    previous: JsonObject | None
    patient_nhs: str | None


@dataclass(frozen=True, slots=True)
class Write:
    """A REST write (create, update, patch or delete) handed to a type's own handler."""

    kind: ChangeKind
    resource_type: str
    resource_id: str | None
    body: JsonObject | None
    if_match: int | None = None
    if_none_exist: str | None = None
    patch: bool = False
    check: Check = "full"
    """What `checked` does with the body (a request's body is always checked in `full`)."""


Validator = Callable[[JsonObject], list[Issue]]
WriteHandler = Callable[["FhirTransaction", Write], Awaitable["tuple[StoredResource | None, bool]"]]
"""A service's handler for REST writes of one type: it writes through the unit of work
and announces the type's events explicitly (the store never calls up into a service).
Returns the stored resource (None for a delete of nothing) and whether it was created."""


@dataclass(frozen=True, slots=True)
class ResourceDefinition:
    type: str
    interactions: frozenset[Interaction] = ALL_INTERACTIONS
    search_params: tuple[SearchParam, ...] = ()
    patient_nhs: str | None = None
    """FHIRPath giving the NHS number of the patient this resource is about, if any."""
    patient_required: bool = False
    """Always about a patient: one that cannot be tied to a patient (by NHS number, or a
    `Patient/<id>` this service can resolve) is refused, never stored as no one's."""
    conditional_create: bool = True
    update_create: bool = False
    """PUT to an id that does not exist creates it (a client-chosen id). Off unless a type
    needs it: otherwise an unknown id answers 404, exactly as one the caller may not see."""
    require_if_match: bool = False
    narrative: bool = False
    """Generate `text.div` on every write that brings no narrative of its own."""
    owned: bool = False
    """Each resource belongs to the client that created it (a partner's Subscription):
    only that client, an administrator and the service itself see or change it."""
    validators: tuple[Validator, ...] = ()
    writes: WriteHandler | None = None
    documentation: str = ""

    def param(self, name: str) -> SearchParam | None:
        for candidate in self.search_params:
            if candidate.name == name:
                return candidate
        return None

    @property
    def patient_element(self) -> str | None:
        """The element naming the patient (`Communication.subject`), from `patient_nhs`."""
        if self.patient_nhs is None or ".identifier.where(" not in self.patient_nhs:
            return None
        element = self.patient_nhs.split(".identifier.where(", 1)[0]
        return None if element == self.type else element

    @property
    def reference_params(self) -> tuple[SearchParam, ...]:
        return tuple(p for p in self.search_params if p.type == "reference")


@dataclass(slots=True)
class FhirRegistry:
    service: str
    definitions: dict[str, ResourceDefinition] = field(default_factory=dict)
    operations: list[Operation] = field(default_factory=list)
    topic: str = ""
    """Where this service's unit of work queues its events."""
    event_source: str = ""
    """CloudEvents `source` of its events (`urn:carecoord:<service>`)."""
    grant_reasons: frozenset[str] = frozenset()
    """Why this service lets a party see a patient: its own vocabulary."""
    published: dict[tuple[str, str], JsonObject] = field(default_factory=dict)
    """The StructureDefinitions, CodeSystems and ValueSets it owns, by (type, id)."""

    def add(self, *definitions: ResourceDefinition) -> FhirRegistry:
        for definition in definitions:
            if definition.type in self.definitions:
                raise ValueError(f"{definition.type} is declared twice in {self.service}")
            self.definitions[definition.type] = definition
        return self

    def declare(self, *operations: Operation) -> FhirRegistry:
        self.operations.extend(op for op in operations if op not in self.operations)
        return self

    def get(self, resource_type: str) -> ResourceDefinition | None:
        return self.definitions.get(resource_type)

    def all(self) -> Iterable[ResourceDefinition]:
        return self.definitions.values()


def nhs_number_at(path: str) -> str:
    """FHIRPath for the NHS number of the patient identified at `path` (a Reference or Patient)."""
    from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM

    return f"{path}.identifier.where(system='{NHS_NUMBER_SYSTEM}').value"


def patient_record(
    resource_type: str,
    element: str,
    documentation: str,
    search_params: Iterable[SearchParam] = (),
    *,
    subject: bool = True,
    **options: Any,
) -> ResourceDefinition:
    """A type always about one patient, named at `element` (`Task.for`) by NHS number or
    by a `Patient/<id>` the service resolves (refused otherwise, never stored as no
    one's); people read it, so it carries a generated narrative. It is searched by
    `patient` and, unless `subject` is False, its synonym `subject`, after
    `search_params`; `options` are the definition's other fields (and may override
    these: `patient_required=False` for a type that names its patient when it has one)."""
    synonyms = ("patient", "subject") if subject else ("patient",)
    return ResourceDefinition(
        resource_type,
        documentation=documentation,
        patient_nhs=nhs_number_at(element),
        search_params=(
            *search_params,
            *(SearchParam(name, "reference", element, ("Patient",)) for name in synonyms),
        ),
        **{"narrative": True, "patient_required": True, **options},
    )
