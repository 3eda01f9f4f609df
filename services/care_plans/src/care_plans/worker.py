"""The care plans worker: publishes its outbox and applies referrals' events."""

from __future__ import annotations

from care_plans.events.incoming import referral_subscription
from care_plans.settings import CarePlansSettings
from care_plans.store.tables import MIGRATIONS
from carecoord_shared.worker import Worker, run_worker


def build_worker(settings: CarePlansSettings) -> Worker:
    return Worker(
        settings, settings.topic, [referral_subscription(settings.referrals_topic)], MIGRATIONS
    )


def cli() -> None:
    run_worker(build_worker(CarePlansSettings()))
