"""The portal's worker: two processes the kernel assembles from the declaration.

`carecoord-portal-worker` runs the consumers, the relay and every job but delivery, and
starts beside itself the partners' delivery loop (`--delivery`, the job
`subscription-delivery` alone), so recording events and sending webhooks each have an
event loop (and a core) of their own instead of waiting on each other. Each is the
kernel's worker (waits for its database and Kafka, stops cleanly on SIGTERM, serves
its health endpoints: the delivery process on `PORTAL_DELIVERY_WORKER_PORT`, by default
the worker's port + 50). The first process supervises the second: starts it once the
database is migrated, again if it exits, and stops it when stopping; the delivery
process stops when its parent dies, even of kill -9 (`PR_SET_PDEATHSIG`: the kernel
tells it). `build_worker` without a role assembles both in one process, as the tests
run it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from carecoord_shared.logging import get_logger
from carecoord_shared.worker import Worker, run_worker
from carecoord_shared.worker import build_worker as assemble
from portal.definition import SERVICE
from portal.jobs.subscription_delivery import JOB as DELIVERY
from portal.settings import PortalSettings

__all__ = ["build_worker", "cli"]

log = get_logger(__name__)
Role = Literal["all", "consumers", "delivery"]
_DELIVERY_FLAG = "--delivery"
_PARENT = "PORTAL_WORKER_PARENT_PID"
_PR_SET_PDEATHSIG = 1
_DELIVERY_PORT_STEP = 50
"""The delivery process's health port beside the worker's, unless set (portal: 8150)."""
_DELIVERY_COMMAND = (sys.executable, "-m", "portal.worker", _DELIVERY_FLAG)
_RESTART_S = (1.0, 2.0, 5.0, 15.0)
"""Pauses before starting the delivery process again after it exited (then the last)."""


def build_worker(settings: PortalSettings | None = None, role: Role = "all") -> Worker:
    """The whole worker (`all`), or one of its two processes."""
    definition = SERVICE
    if role == "consumers":
        definition = replace(SERVICE, jobs=tuple(j for j in SERVICE.jobs if j is not DELIVERY))
    elif role == "delivery":
        definition = replace(SERVICE, consumers=(), jobs=(DELIVERY,))
    return assemble(definition, settings)


def _health_port(settings: PortalSettings) -> int:
    return settings.worker_port or settings.port + 100


@dataclass(slots=True)
class _Supervised:
    """The delivery process, kept running by a thread of the first process."""

    ready: Callable[[], bool]
    """Whether the first process has migrated the database (its worker has started)."""
    env: dict[str, str]
    stopping: threading.Event = field(default_factory=threading.Event)
    process: subprocess.Popen[bytes] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> None:
        """Start it once the first process has migrated; again (after a pause) when it
        exits on its own. Started from this thread, so it outlives nothing."""
        while not self.ready():
            if self.stopping.wait(0.1):
                return
        exits = 0
        while True:
            with self.lock:
                if self.stopping.is_set():
                    return
                self.process = subprocess.Popen(_DELIVERY_COMMAND, env=self.env)
            code = self.process.wait()
            if self.stopping.is_set():
                return
            pause = _RESTART_S[min(exits, len(_RESTART_S) - 1)]
            exits += 1
            log.warning("worker.delivery_exited", code=code, restart_in_s=pause)
            self.stopping.wait(pause)

    def stop(self) -> None:
        with self.lock:
            self.stopping.set()
            process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def _die_with_parent() -> None:
    """Ask the kernel for SIGTERM when the parent goes (Linux), and stop now if it
    already went before the request was made."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))
    if os.environ.get(_PARENT) not in (None, str(os.getppid())):
        sys.exit(0)


def _run_both(settings: PortalSettings) -> None:
    worker = build_worker(settings, "consumers")
    env = {**os.environ, _PARENT: str(os.getpid())}
    port = settings.delivery_worker_port or _health_port(settings) + _DELIVERY_PORT_STEP
    env["PORTAL_WORKER_PORT"] = str(port)
    delivery = _Supervised(worker.started.is_set, env)
    thread = threading.Thread(target=delivery.run, name="delivery-supervisor", daemon=True)
    thread.start()
    try:
        run_worker(worker)
    finally:
        delivery.stop()
        thread.join(35)


def cli() -> None:
    settings = PortalSettings()
    if sys.argv[1:] == [_DELIVERY_FLAG]:
        _die_with_parent()
        run_worker(build_worker(settings, "delivery"))
    else:
        _run_both(settings)


if __name__ == "__main__":
    cli()
