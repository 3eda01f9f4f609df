"""The referrals worker: publishes its outbox, applies care_plans' events, runs the clock.

Built by the kernel from the service's declaration: the outbox relay, the consumers
of care_plans' topic (registrations, co-ordinators, care plans) and the breach scan
every `breach_scan_seconds`.
"""

from __future__ import annotations

from carecoord_shared.worker import Worker, run_worker
from carecoord_shared.worker import build_worker as build_declared_worker
from referrals.definition import SERVICE
from referrals.settings import ReferralsSettings


def build_worker(settings: ReferralsSettings | None = None) -> Worker:
    return build_declared_worker(SERVICE, settings or ReferralsSettings())


def cli() -> None:
    run_worker(build_worker())
