"""The mdt worker: publishes the outbox, applies other services' events, escalates.

The kernel's worker, built from the service's declaration, runs the outbox relay, the
consumers (`mdt.events`) and the escalation job (`mdt.jobs`) in one process, stopped
by the same signal. It imports nothing of the API.
"""

from __future__ import annotations

from carecoord_shared.service import Clock, system_clock
from carecoord_shared.worker import Worker, run_worker
from carecoord_shared.worker import build_worker as build_service_worker
from mdt.definition import SERVICE
from mdt.settings import MdtSettings


def build_worker(settings: MdtSettings | None = None, *, clock: Clock = system_clock) -> Worker:
    return build_service_worker(SERVICE, settings, clock=clock)


def cli() -> None:
    run_worker(build_worker(MdtSettings()))
