"""The referrals worker: publishes its outbox, applies care_plans' events, runs the clock.

Besides the kernel's relay and the care_plans consumer (registrations, co-ordinators,
care plans), it runs the breach scan every `breach_scan_seconds` as a periodic job.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_shared.worker import PeriodicJob, Worker, run_worker
from referrals.api.resources import build_registry
from referrals.events.incoming import care_plans_subscription
from referrals.main import build_context
from referrals.service.breach import scan
from referrals.settings import ReferralsSettings
from referrals.store.tables import MIGRATIONS


def breach_job(settings: ReferralsSettings) -> PeriodicJob:
    """Raise breach-imminent and breached alarms (idempotent: flags in the same commit)."""
    context = build_context(settings)
    registry = build_registry(context)

    async def run(engine: AsyncEngine) -> int:
        return await scan(engine, registry, context)

    return PeriodicJob("breach-scan", settings.breach_scan_seconds, run)


def build_worker(settings: ReferralsSettings) -> Worker:
    return Worker(
        settings,
        settings.topic,
        [care_plans_subscription(settings.care_plans_topic)],
        MIGRATIONS,
        jobs=[breach_job(settings)],
    )


def cli() -> None:
    run_worker(build_worker(ReferralsSettings()))
