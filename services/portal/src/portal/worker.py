"""The portal worker: publishes the outbox to its topic."""

from __future__ import annotations

from carecoord_shared.worker import Worker, run_worker
from portal.settings import PortalSettings


def build_worker(settings: PortalSettings) -> Worker:
    return Worker(settings, settings.topic)


def cli() -> None:
    run_worker(build_worker(PortalSettings()))
