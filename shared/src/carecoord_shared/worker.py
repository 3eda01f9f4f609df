"""The worker of a declared service: `build_worker` binds its consumers and jobs to units
of work, `run_worker` runs it (the runtime itself is `worker_runtime`).

Every consumer handler gets a unit of work of the service's system principal on the
consumer's own transaction (beside the inbox rows; one unit of work for a run of
events, finished once before it commits), and every job tick gets the
service's units of work; the kernel's own housekeeping (purging the inbox) is added
to every worker.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar

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
    current: ContextVar[FhirTransaction] = ContextVar(f"{definition.name}-run")

    @asynccontextmanager
    async def run_scope(conn: AsyncConnection) -> AsyncIterator[None]:
        """One unit of work for a whole run of events (each partition's run is applied
        by a task of its own, so the context variable is the run's)."""
        tx = FhirTransaction(conn, registry, principal, authorised=True)
        token = current.set(tx)
        try:
            yield
            await tx.finish()
        finally:
            current.reset(token)

    def bound(consumer: Consumer) -> Handler:
        async def handle(conn: AsyncConnection, event: Event) -> None:
            if (tx := current.get(None)) is not None:
                await consumer.handler(tx, event, context)
                return
            async with run_scope(conn):  # called on its own: a run of one event
                await consumer.handler(current.get(), event, context)

        return handle

    return [
        Subscription(
            name,
            tuple(dict.fromkeys(c.topic(settings) for c in members)),
            {c.event_type: bound(c) for c in members},
            run_scope=run_scope,
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
