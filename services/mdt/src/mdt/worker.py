"""The mdt worker: publishes the outbox, applies other services' events, escalates.

The kernel's `Worker` runs the outbox relay and the consumers; beside it this worker
runs the periodic job that escalates overdue actions (the issue's "overdue actions
escalate"), in the same process and stopped by the same signal.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_shared.db import create_engine
from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.logging import configure_logging, get_logger
from carecoord_shared.worker import Worker
from mdt.api.resources import build_registry
from mdt.events.incoming import subscriptions
from mdt.service.outcomes import escalate_overdue
from mdt.service.transaction import RULES_PRINCIPAL, ServiceTransaction, writable
from mdt.settings import MdtSettings
from mdt.store.tables import MIGRATIONS

log = get_logger(__name__)


async def escalate_once(engine: AsyncEngine, registry: FhirRegistry, topic: str) -> int:
    """One pass of the escalation job (also what tests and operators call)."""
    async with engine.begin() as conn:
        tx = ServiceTransaction(conn, registry, RULES_PRINCIPAL)
        return await escalate_overdue(tx, topic, datetime.now(UTC).date())


@dataclass(slots=True)
class MdtWorker:
    settings: MdtSettings
    worker: Worker
    registry: FhirRegistry
    escalations: int = field(default=0)

    @property
    def started(self) -> asyncio.Event:
        return self.worker.started

    @property
    def stopping(self) -> asyncio.Event:
        return self.worker.stopping

    async def run(self) -> None:
        job = asyncio.create_task(self._escalate(), name="escalate-overdue")
        try:
            await self.worker.run()
        finally:
            self.worker.stopping.set()
            await job

    async def _escalate(self) -> None:
        engine = create_engine(self.settings.db_url, pool_size=1)
        try:
            await self.worker.started.wait()
            while not self.stopping.is_set():
                try:
                    self.escalations += await escalate_once(
                        engine, self.registry, self.settings.topic
                    )
                except Exception as exc:  # the next pass retries; never take the worker down
                    log.warning("mdt.escalation_failed", error=type(exc).__name__)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self.stopping.wait(), self.settings.overdue_check_seconds
                    )
        finally:
            await engine.dispose()


def build_worker(settings: MdtSettings) -> MdtWorker:
    registry = writable(build_registry())
    worker = Worker(settings, settings.topic, subscriptions(settings, registry), MIGRATIONS)
    return MdtWorker(settings, worker, registry)


def cli() -> None:
    settings = MdtSettings()
    configure_logging(f"{settings.service_name}-worker", settings.log_level)
    worker = build_worker(settings)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, worker.stopping.set)
        await worker.run()

    asyncio.run(main())
