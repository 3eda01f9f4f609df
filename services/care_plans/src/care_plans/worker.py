"""The care plans worker: publishes its outbox, applies referrals' and MDT events, and
runs the housekeeping clock (cover lapsing, reviews falling due) beside them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from care_plans.api.resources import build_registry
from care_plans.events.incoming import referral_subscription
from care_plans.service.housekeeping import housekeep
from care_plans.settings import CarePlansSettings
from care_plans.store.tables import MIGRATIONS
from carecoord_shared.logging import get_logger
from carecoord_shared.worker import PeriodicJob, Worker, run_worker

log = get_logger(__name__)


def build_worker(settings: CarePlansSettings) -> Worker:
    registry = build_registry(settings)
    topics = (settings.referrals_topic, settings.mdt_topic)

    async def housekeeping(engine: AsyncEngine) -> None:
        report = await housekeep(engine, registry, settings.topic)
        log.info(
            "housekeeping.done",
            lapsed=report.lapsed_assignments,
            reviews_due=report.reviews_announced,
        )

    return Worker(
        settings,
        settings.topic,
        [referral_subscription(topics, registry, settings.topic)],
        MIGRATIONS,
        jobs=[PeriodicJob("housekeeping", settings.housekeeping_interval_s, housekeeping)],
    )


def cli() -> None:
    run_worker(build_worker(CarePlansSettings()))
