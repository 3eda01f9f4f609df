"""The referrals worker: publishes its outbox, applies registrations, runs the clock.

Beside the kernel's worker (relay and consumers) it runs the breach scan every
`breach_scan_seconds`, in the same process, stopping with it.
"""

from __future__ import annotations

import asyncio
import signal
from contextlib import suppress

from carecoord_shared.db import create_engine
from carecoord_shared.logging import configure_logging, get_logger
from carecoord_shared.worker import Worker
from referrals.api.resources import build_registry
from referrals.events.incoming import registration_subscription
from referrals.main import build_context
from referrals.service.breach import scan
from referrals.settings import ReferralsSettings
from referrals.store.tables import MIGRATIONS

log = get_logger(__name__)


def build_worker(settings: ReferralsSettings) -> Worker:
    return Worker(
        settings,
        settings.topic,
        [registration_subscription(settings.care_plans_topic)],
        MIGRATIONS,
    )


async def run_breach_scan(settings: ReferralsSettings, stopping: asyncio.Event) -> None:
    """Scan for breaches until `stopping` is set (a failed scan is retried next time)."""
    context = build_context(settings)
    registry = build_registry(context)
    engine = create_engine(settings.db_url, pool_size=1)
    try:
        while not stopping.is_set():
            try:
                raised = await scan(engine, registry, context)
                if raised:
                    log.info("breach_scan.raised", alarms=raised)
            except Exception:  # the next scan retries; never log the error text (may hold data)
                log.warning("breach_scan.failed")
            with suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), settings.breach_scan_seconds)
    finally:
        await engine.dispose()


def cli() -> None:
    settings = ReferralsSettings()
    worker = build_worker(settings)
    configure_logging(f"{settings.service_name}-worker", settings.log_level)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, worker.stopping.set)
        # A scan before the worker has migrated fails and is simply retried later.
        await asyncio.gather(worker.run(), run_breach_scan(settings, worker.stopping))

    asyncio.run(main())
