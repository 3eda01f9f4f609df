"""The care plans worker: publishes its outbox, applies referrals' and MDT events and
runs the housekeeping clock (cover lapsing, reviews falling due), all declared in
`definition.SERVICE` and assembled by the kernel."""

from __future__ import annotations

from care_plans.definition import SERVICE
from care_plans.settings import CarePlansSettings
from carecoord_shared.service import Clock, system_clock
from carecoord_shared.worker import Worker, run_worker
from carecoord_shared.worker import build_worker as build_service_worker


def build_worker(
    settings: CarePlansSettings | None = None, *, clock: Clock = system_clock
) -> Worker:
    return build_service_worker(SERVICE, settings, clock=clock)


def cli() -> None:
    run_worker(build_worker(CarePlansSettings()))
