"""The worker process of a service: its outbox relay, its event consumers, its jobs.

Same code base as the API, separate process (so a slow consumer never slows a GP's
request). It waits for its database and for Kafka however long they are away (saying
so in the log), migrates, makes sure its own topic and the topics it reads exist
(with their dead-letter topics), then runs the relay, every consumer and the periodic
jobs until SIGTERM or SIGINT, and stops them cleanly so offsets are committed. Its
health endpoints (`worker_health`) tell an orchestrator whether its loops are alive.
`carecoord_shared.worker.build_worker` assembles one from a service's declaration.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_shared.db import create_engine, wait_for_database
from carecoord_shared.events import (
    Backoff,
    Handler,
    InboxConsumer,
    OutboxRelay,
    SchemaCatalogue,
    ensure_topics,
)
from carecoord_shared.events.backoff import sleep_unless
from carecoord_shared.events.consumer_support import RunScope, no_scope
from carecoord_shared.events.inbox import purge_older_than
from carecoord_shared.logging import configure_logging, get_logger
from carecoord_shared.migration_process import migrate_at_start
from carecoord_shared.periodic import PeriodicJob, run_every
from carecoord_shared.settings import ServiceSettings

__all__ = ["PeriodicJob", "Subscription", "Worker", "inbox_purge_job", "run_worker"]

log = get_logger(__name__)
_TOPIC_BACKOFF = Backoff(initial_s=0.5, max_s=15.0)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A consumer: which topics it reads and what each event type does here."""

    name: str
    topics: tuple[str, ...]
    handlers: Mapping[str, Handler]
    schemas: SchemaCatalogue | None = None
    run_scope: RunScope = no_scope


@dataclass(slots=True)
class Worker:
    settings: ServiceSettings
    topic: str
    subscriptions: Sequence[Subscription] = ()
    migrations: Path | None = None
    jobs: Sequence[PeriodicJob] = ()
    health_port: int | None = None
    """Where /healthz, /readyz and /metrics are served (None: not served, as in tests)."""
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once the database is migrated, topics exist and the relay and consumers run."""
    relay: OutboxRelay | None = None
    consumers: list[InboxConsumer] = field(default_factory=list)
    engine: AsyncEngine | None = None

    def group_id(self, subscription: Subscription) -> str:
        return f"{self.settings.service_name}.{subscription.name}"

    def _membership(self, subscription: Subscription) -> dict[str, str]:
        """Static group membership when this replica has a stable name (see settings)."""
        instance = self.settings.worker_instance_id
        return {"group_instance_id": f"{instance}.{subscription.name}"} if instance else {}

    async def _topics_exist(self) -> bool:
        """Create the topics, waiting out a broker that is not there yet."""
        consumed = {t for s in self.subscriptions for t in s.topics}
        attempt = 0
        while not self.stopping.is_set():
            try:
                await ensure_topics(self.settings.kafka_bootstrap_servers, [self.topic, *consumed])
                return True
            except Exception as error:  # the broker is away: wait, never exit
                attempt += 1
                delay = _TOPIC_BACKOFF.delay(attempt)
                log.warning(
                    "waiting_for_kafka",
                    attempt=attempt,
                    error=type(error).__name__,
                    retry_in_s=delay,
                )
                await sleep_unless(self.stopping, delay)
        return False

    def _start_loops(self, engine: AsyncEngine) -> list[asyncio.Task[None]]:
        settings = self.settings
        self.relay = OutboxRelay(engine, settings.kafka_bootstrap_servers)
        self.consumers = [
            InboxConsumer(
                engine,
                settings.kafka_bootstrap_servers,
                self.group_id(s),
                s.topics,
                s.handlers,
                s.schemas,
                run_scope=s.run_scope,
                consumer_options=self._membership(s),
            )
            for s in self.subscriptions
        ]
        tasks = [asyncio.create_task(self.relay.run(), name="outbox-relay")]
        tasks += [
            asyncio.create_task(c.run(), name=f"consumer-{i}") for i, c in enumerate(self.consumers)
        ]
        tasks += [
            asyncio.create_task(run_every(job, engine, self.stopping), name=job.name)
            for job in self.jobs
        ]
        return tasks

    async def run(self) -> None:
        settings = self.settings
        engine = self.engine = create_engine(settings.db_url, pool_size=5)
        health = None
        try:
            if self.health_port is not None:
                from carecoord_shared.worker_health import serve_health

                health = asyncio.create_task(serve_health(self, self.health_port))
            await wait_for_database(engine)
            await migrate_at_start(settings.db_url, self.migrations)
            if not await self._topics_exist():
                return
            tasks = self._start_loops(engine)
            log.info("worker.started", topic=self.topic, consumers=len(self.consumers))
            self.started.set()
            await self._until_stopped(tasks)
        finally:
            if health is not None:
                health.cancel()
            await engine.dispose()
            log.info("worker.stopped")

    async def _until_stopped(self, tasks: list[asyncio.Task[None]]) -> None:
        stopper = asyncio.create_task(self.stopping.wait())
        done, _ = await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
        self.stopping.set()
        if self.relay is not None:
            self.relay.stop()
        for consumer in self.consumers:
            consumer.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        stopper.cancel()
        failed = [t for t in done if t is not stopper and t.exception() is not None]
        if failed:
            raise RuntimeError(f"worker task {failed[0].get_name()} failed") from failed[
                0
            ].exception()


def inbox_purge_job(retention_days: float) -> PeriodicJob:
    """Forget inbox rows older than the topics keep records (hourly)."""

    async def purge(engine: AsyncEngine) -> int:
        async with engine.begin() as conn:
            return await purge_older_than(conn, retention_days)

    return PeriodicJob("inbox-purge", 3600.0, purge)


def run_worker(worker: Worker) -> None:
    """Entry point of `carecoord-<service>-worker`: run until SIGTERM/SIGINT."""
    configure_logging(f"{worker.settings.service_name}-worker", worker.settings.log_level)
    if worker.health_port is None:
        worker.health_port = worker.settings.worker_port or worker.settings.port + 100

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, worker.stopping.set)
        await worker.run()

    asyncio.run(main())
