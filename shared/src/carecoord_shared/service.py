"""A service is a declaration; the kernel assembles its API and its worker from it.

Each CareCoord service exposes one `ServiceDefinition`: the resources it serves, its
typed operations, the events it consumes, its periodic jobs, the grant reasons it
uses, its settings and migrations. `carecoord_shared.web.app.build_app` turns it into
the FastAPI app and `carecoord_shared.worker.build_worker` into the worker process,
so "where does a new operation, consumer or job go?" has one answer in every
service: its own module, plus one line here in the service's declaration.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, FastAPI

from carecoord_shared.events import Event
from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.operations import Operation
from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.registry import FhirRegistry, ResourceDefinition
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security.principal import Principal
from carecoord_shared.settings import ServiceSettings

__all__ = [
    "Clock",
    "Consumer",
    "EventHandler",
    "Job",
    "JobCall",
    "ServiceContext",
    "ServiceDefinition",
    "system_clock",
]

Clock = Callable[[], datetime]
EventHandler = Callable[[FhirTransaction, Event, Any], Awaitable[None]]
"""Every consumer's signature: `(tx, event, context)`. `tx` is a unit of work of the
service's system principal on the consumer's transaction, beside the inbox record, so
a redelivered event changes nothing."""


def system_clock() -> datetime:
    return datetime.now(UTC)


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


@dataclass(frozen=True, slots=True)
class ServiceContext(Generic[SettingsT]):
    """What a service's handlers may need besides their unit of work: its settings and
    "now". Built once per process (`ServiceDefinition.context`); tests pin the clock
    through `create_app(clock=...)` / `build_worker(clock=...)`. A service subclasses it
    to add lookups of its own policy."""

    settings: SettingsT
    clock: Clock = system_clock

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().date()


@dataclass(frozen=True, slots=True)
class Consumer:
    """What one event type does in this service, and which topic it arrives on."""

    event_type: str
    """The CloudEvents type it applies, or `*` for every type on the topic (a consumer
    that forwards everything, such as partner subscriptions)."""
    topic: Callable[[Any], str]
    """The topic, from the service's settings (tests give each run its own)."""
    handler: EventHandler
    group: str = "events"
    """Consumers in one group share one Kafka consumer (and its offsets)."""


@dataclass(frozen=True, slots=True)
class JobCall:
    """One tick of a periodic job: units of work as the service's system principal."""

    fhir: FhirInteractions
    context: Any
    principal: Principal


@dataclass(frozen=True, slots=True)
class Job:
    """Housekeeping on a clock (breaches, lapsing cover, due reviews, escalations).

    Each run must be idempotent: a restarted worker, or a second one, may run it again.
    Returns how many things it changed (for the log)."""

    name: str
    interval_s: Callable[[Any], float]
    run: Callable[[JobCall], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class ServiceDefinition:
    name: str
    """Package, database and log name (`referrals`)."""
    title: str
    description: str
    settings: type[ServiceSettings]
    resources: Callable[[Any], Sequence[ResourceDefinition]]
    """The FHIR resources it serves, given its context."""
    context: Callable[[Any, Clock], Any] = field(default=lambda _settings, _clock: None)
    """Its own context (settings it needs, clocks, calendars), built once per process."""
    operations: Sequence[Operation] = ()
    consumers: Sequence[Consumer] = ()
    jobs: Sequence[Job] = ()
    grant_reasons: frozenset[str] = frozenset()
    """Why it lets a party see a patient: its own vocabulary, checked by the kernel."""
    migrations: Path | None = None
    event_schemas: Path | None = None
    event_source: str = ""
    routers: Sequence[Callable[[Any], APIRouter]] = ()
    """Extra non-FHIR routes (the portal's pages), given its context."""
    definitions: Sequence[JsonObject] | Callable[[Any], Sequence[JsonObject]] = ()
    """The StructureDefinitions, CodeSystems and ValueSets it owns (`fhir.definitions`),
    or a function of its context giving them (a rule file's code system, say)."""
    install: Callable[[FastAPI, Any], None] | None = None
    """Installs what is not FHIR into the app (the portal's pages and their assets)."""
    startup: Callable[[FhirInteractions, Any], Awaitable[None]] | None = None
    """Run once the API's database is migrated (idempotent writes the service needs,
    such as its indicator Measures), as the service's system principal."""

    @property
    def source(self) -> str:
        return self.event_source or f"urn:carecoord:{self.name.replace('_', '-')}"

    def assemble(
        self, settings: ServiceSettings | None, clock: Clock
    ) -> tuple[ServiceSettings, Any, FhirRegistry]:
        """Settings (from the environment unless given), context and registry: what both
        the API and the worker are built from."""
        settings = settings or self.settings()
        context = self.context(settings, clock)
        return settings, context, self.registry(settings, context)

    def registry(self, settings: ServiceSettings, context: Any) -> FhirRegistry:
        """What it serves, with the kernel's view of its topic and vocabulary."""
        registry = FhirRegistry(
            self.name,
            topic=settings.topic,
            event_source=self.source,
            grant_reasons=self.grant_reasons,
        )
        registry.add(*self.resources(context))
        registry.operations.extend(self.operations)
        published_now = (
            self.definitions(context) if callable(self.definitions) else self.definitions
        )
        for published in published_now:
            registry.published[(str(published["resourceType"]), str(published["id"]))] = published
        return registry
