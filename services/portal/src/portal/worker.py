"""The portal's worker process: the kernel assembles it from the declaration."""

from __future__ import annotations

from carecoord_shared.worker import Worker, run_worker
from carecoord_shared.worker import build_worker as assemble
from portal.definition import SERVICE
from portal.settings import PortalSettings


def build_worker(settings: PortalSettings | None = None) -> Worker:
    return assemble(SERVICE, settings)


def cli() -> None:
    run_worker(build_worker(PortalSettings()))
