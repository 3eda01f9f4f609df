"""The care plans worker: publishes its outbox, applies referrals' and MDT events, and
runs the housekeeping clock (cover lapsing, reviews falling due) beside them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from care_plans.api.resources import build_registry
from care_plans.events.incoming import referral_subscription
from care_plans.service.housekeeping import housekeep
from care_plans.settings import CarePlansSettings
from care_plans.store.tables import MIGRATIONS
from carecoord_shared.db import create_engine
from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.logging import get_logger
from carecoord_shared.worker import Worker, run_worker

log = get_logger(__name__)


@dataclass(slots=True)
class CarePlansWorker(Worker):
    registry: FhirRegistry | None = None
    interval_s: float = 60.0

    async def run(self) -> None:
        clock = asyncio.create_task(self._housekeeping(), name="housekeeping")
        try:
            await Worker.run(self)
        finally:
            clock.cancel()
            await asyncio.gather(clock, return_exceptions=True)

    async def _housekeeping(self) -> None:
        await self.started.wait()
        assert self.registry is not None
        engine = create_engine(self.settings.db_url, pool_size=1)
        try:
            while not self.stopping.is_set():
                try:
                    report = await housekeep(engine, self.registry, self.topic)
                    log.info(
                        "housekeeping.done",
                        lapsed=report.lapsed_assignments,
                        reviews_due=report.reviews_announced,
                    )
                except Exception as error:  # keep the clock running; the next tick retries
                    log.warning("housekeeping.failed", error=type(error).__name__)
                try:
                    await asyncio.wait_for(self.stopping.wait(), self.interval_s)
                except TimeoutError:
                    continue
        finally:
            await engine.dispose()


def build_worker(settings: CarePlansSettings) -> CarePlansWorker:
    registry = build_registry(settings)
    topics = (settings.referrals_topic, settings.mdt_topic)
    return CarePlansWorker(
        settings,
        settings.topic,
        [referral_subscription(topics, registry, settings.topic)],
        MIGRATIONS,
        registry=registry,
        interval_s=settings.housekeeping_interval_s,
    )


def cli() -> None:
    run_worker(build_worker(CarePlansSettings()))
