"""The worker of a declared service: `build_worker` binds its consumers and jobs to units
of work, `run_worker` runs it (the runtime itself is `worker_runtime`).

Every consumer handler gets a unit of work of the service's system principal on the
consumer's own transaction (beside the inbox row), and every job tick gets the
service's units of work; the kernel's own housekeeping (purging the inbox) is added
to every worker.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from carecoord_shared.events import Event, Handler
from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.periodic import PeriodicJob
from carecoord_shared.security.principal import system_principal
from carecoord_shared.service import (
    Clock,
    Consumer,
    Job,
    JobCall,
    ServiceDefinition,
    system_clock,
)
from carecoord_shared.settings import ServiceSettings
from carecoord_shared.worker_runtime import Subscription, Worker, inbox_purge_job, run_worker

__all__ = ["PeriodicJob", "Subscription", "Worker", "build_worker", "run_worker"]


def _subscriptions(
    definition: ServiceDefinition,
    settings: ServiceSettings,
    registry: FhirRegistry,
    context: object,
) -> list[Subscription]:
    """The declared consumers, one Kafka consumer per group, each handler given a unit
    of work of the service's system principal on the consumer's transaction."""
    principal = system_principal(f"{definition.name}-worker")
    groups: dict[str, list[Consumer]] = {}
    for consumer in definition.consumers:
        groups.setdefault(consumer.group, []).append(consumer)

    def bound(consumer: Consumer) -> Handler:
        async def handle(conn: AsyncConnection, event: Event) -> None:
            tx = FhirTransaction(conn, registry, principal, authorised=True)
            await consumer.handler(tx, event, context)

        return handle

    return [
        Subscription(
            name,
            tuple(dict.fromkeys(c.topic(settings) for c in members)),
            {c.event_type: bound(c) for c in members},
        )
        for name, members in groups.items()
    ]


def _periodic(
    definition: ServiceDefinition,
    settings: ServiceSettings,
    registry: FhirRegistry,
    context: object,
) -> list[PeriodicJob]:
    principal = system_principal(f"{definition.name}-worker")

    def bound(job: Job) -> Callable[[AsyncEngine], Awaitable[object]]:
        async def run(engine: AsyncEngine) -> int:
            return await job.run(JobCall(FhirInteractions(engine, registry), context, principal))

        return run

    declared = [
        PeriodicJob(job.name, job.interval_s(settings), bound(job)) for job in definition.jobs
    ]
    return [*declared, inbox_purge_job(settings.inbox_retention_days)]


def build_worker(
    definition: ServiceDefinition,
    settings: ServiceSettings | None = None,
    *,
    clock: Clock = system_clock,
) -> Worker:
    """The worker process of a declared service: relay, consumers and periodic jobs."""
    settings, context, registry = definition.assemble(settings, clock)
    return Worker(
        settings,
        settings.topic,
        _subscriptions(definition, settings, registry, context),
        definition.migrations,
        jobs=_periodic(definition, settings, registry, context),
    )
