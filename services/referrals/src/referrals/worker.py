"""The referrals worker: publishes its outbox and applies patient registrations."""

from __future__ import annotations

from carecoord_shared.worker import Worker, run_worker
from referrals.events.incoming import registration_subscription
from referrals.settings import ReferralsSettings


def build_worker(settings: ReferralsSettings) -> Worker:
    return Worker(settings, settings.topic, [registration_subscription(settings.care_plans_topic)])


def cli() -> None:
    run_worker(build_worker(ReferralsSettings()))
