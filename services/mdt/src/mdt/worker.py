"""The mdt worker: publishes the outbox to its topic."""

from __future__ import annotations

from carecoord_shared.worker import Worker, run_worker
from mdt.settings import MdtSettings


def build_worker(settings: MdtSettings) -> Worker:
    return Worker(settings, settings.topic)


def cli() -> None:
    run_worker(build_worker(MdtSettings()))
