"""The worker process of a service: its outbox relay and its event consumers.

Same code base as the API, separate process (so a slow consumer never slows a GP's
request). It migrates the database, makes sure its own topic and the topics it reads
exist (with their dead-letter topics), then runs the relay, every consumer and the
service's periodic jobs until SIGTERM or SIGINT, and stops them cleanly so offsets
are committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from carecoord_shared.db import create_engine, migrate_async, wait_for_database
from carecoord_shared.events import (
    Event,
    Handler,
    InboxConsumer,
    OutboxRelay,
    SchemaCatalogue,
    ensure_topics,
)
from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.logging import configure_logging, get_logger
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

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A consumer: which topics it reads and what each event type does here."""

    name: str
    topics: tuple[str, ...]
    handlers: Mapping[str, Handler]
    schemas: SchemaCatalogue | None = None


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """Housekeeping a worker runs on a clock (lapsing cover, due reviews, breaches).

    `run` gets the worker's engine; each run should be idempotent, because a worker
    restarting (or a second worker) may run it again. A failure is logged by class
    only and retried at the next tick."""

    name: str
    interval_s: float
    run: Callable[[AsyncEngine], Awaitable[object]]


@dataclass(slots=True)
class Worker:
    settings: ServiceSettings
    topic: str
    subscriptions: Sequence[Subscription] = ()
    migrations: Path | None = None
    jobs: Sequence[PeriodicJob] = ()
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once the database is migrated, topics exist and the relay and consumers run."""

    async def _every(self, job: PeriodicJob, engine: AsyncEngine) -> None:
        while not self.stopping.is_set():
            try:
                await job.run(engine)
            except Exception as error:  # keep the clock going; the next tick retries
                log.warning("worker.job_failed", job=job.name, error=type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), job.interval_s)

    def group_id(self, subscription: Subscription) -> str:
        return f"{self.settings.service_name}.{subscription.name}"

    async def run(self) -> None:
        settings = self.settings
        engine = create_engine(settings.db_url, pool_size=5)
        try:
            await wait_for_database(engine)
            await migrate_async(settings.db_url, self.migrations)
            consumed = {t for s in self.subscriptions for t in s.topics}
            await ensure_topics(settings.kafka_bootstrap_servers, [self.topic, *consumed])
            relay = OutboxRelay(engine, settings.kafka_bootstrap_servers)
            consumers = [
                InboxConsumer(
                    engine,
                    settings.kafka_bootstrap_servers,
                    self.group_id(s),
                    s.topics,
                    s.handlers,
                    s.schemas,
                )
                for s in self.subscriptions
            ]
            tasks = [asyncio.create_task(relay.run(), name="outbox-relay")]
            tasks += [
                asyncio.create_task(c.run(), name=f"consumer-{i}") for i, c in enumerate(consumers)
            ]
            tasks += [
                asyncio.create_task(self._every(job, engine), name=job.name) for job in self.jobs
            ]
            log.info("worker.started", topic=self.topic, consumers=len(consumers))
            self.started.set()
            stopper = asyncio.create_task(self.stopping.wait())
            done, _ = await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
            relay.stop()
            for consumer in consumers:
                consumer.stop()
            await asyncio.gather(*tasks, return_exceptions=True)
            stopper.cancel()
            failed = [t for t in done if t is not stopper and t.exception() is not None]
            if failed:
                raise RuntimeError(f"worker task {failed[0].get_name()} failed") from failed[
                    0
                ].exception()
        finally:
            await engine.dispose()
            log.info("worker.stopped")


def run_worker(worker: Worker) -> None:
    """Entry point of `carecoord-<service>-worker`: run until SIGTERM/SIGINT."""
    configure_logging(f"{worker.settings.service_name}-worker", worker.settings.log_level)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, worker.stopping.set)
        await worker.run()

    asyncio.run(main())


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

    return [PeriodicJob(job.name, job.interval_s(settings), bound(job)) for job in definition.jobs]


def build_worker(
    definition: ServiceDefinition,
    settings: ServiceSettings | None = None,
    *,
    clock: Clock = system_clock,
) -> Worker:
    """The worker process of a declared service: relay, consumers and periodic jobs."""
    settings = settings or definition.settings()
    context = definition.context(settings, clock)
    registry = definition.registry(settings, context)
    return Worker(
        settings,
        settings.topic,
        _subscriptions(definition, settings, registry, context),
        definition.migrations,
        jobs=_periodic(definition, settings, registry, context),
    )
