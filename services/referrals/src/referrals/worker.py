"""The referrals worker: publishes the outbox to `carecoord.referrals.v1`."""

from __future__ import annotations

from carecoord_shared.worker import Worker, run_worker
from referrals.settings import ReferralsSettings


def build_worker(settings: ReferralsSettings) -> Worker:
    return Worker(settings, settings.topic)


def cli() -> None:
    run_worker(build_worker(ReferralsSettings()))
