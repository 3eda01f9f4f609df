"""Where a chaos run lives: its own folder, its own ports, never the developer's stack.

A chaos run kills PostgreSQL, Kafka and workers with kill -9. Other engineers (and
the rest of `make test`) use the stack on the default ports (5433, 9092, 8000-8003)
and its data under `<repo>/.run/`, so the run gets a stack of its own: a home folder
(`<repo>/.run/chaos/home`, passed to the launcher as CARECOORD_HOME, whose `.run/`
then holds the chaos stack's data, logs and supervisor state) with links to the
checkout's code, and ports below 32768 that nothing else uses. Every launcher module
reads these variables, so the chaos stack is an ordinary `carecoord run`, only
elsewhere. A lock file keeps two chaos runs (two engineers' `make test`) from
sharing the ports: the second waits for the first.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from carecoord_devstack import paths
from carecoord_devstack.paths import DevstackError

__all__ = ["ChaosPorts", "chaos_environment", "enter_chaos_home", "exclusive", "prepare_home"]

LINKED = ("services", "shared", "deploy", "pyproject.toml")  # what the home borrows
PREFIXES = ("PORTAL", "REFERRALS", "CARE_PLANS", "MDT")  # in the order of stack_services


@dataclass(frozen=True, slots=True)
class ChaosPorts:
    """Ports of the chaos stack: all below Linux's ephemeral range, none a default."""

    postgres: int = 25433
    kafka: int = 29092  # the controller takes 29093
    apis: int = 28000  # portal, referrals, care_plans, mdt: 28000-28003
    workers: int = 28100  # their workers' health ports: 28100-28103
    oidc: int = 28090


def chaos_environment(home: Path, ports: ChaosPorts, replicas: int) -> dict[str, str]:
    """The variables that send every launcher module to the chaos stack."""
    env = {
        "CARECOORD_HOME": str(home),
        "CARECOORD_PG_PORT": str(ports.postgres),
        "CARECOORD_KAFKA_PORT": str(ports.kafka),
        "CARECOORD_OIDC_PORT": str(ports.oidc),
        "CARECOORD_REPLICAS": str(replicas),
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{ports.kafka}",
    }
    for offset, prefix in enumerate(PREFIXES):
        env[f"{prefix}_PORT"] = str(ports.apis + offset)
        env[f"{prefix}_WORKER_PORT"] = str(ports.workers + offset)
    for variable in ("CARECOORD_TEST_DATABASE_URL", "DATABASE_URL"):
        env[variable] = ""  # a developer's overrides must not point the run elsewhere
    return env


def prepare_home(checkout: Path) -> Path:
    """A fresh chaos home: links to the checkout's code, an empty `.run/` (a run starts
    from nothing, so its checks see only its own events), and the broker's jars taken
    from the checkout's `.run/kafka/libs` when it has them (Maven is not needed twice)."""
    home = checkout / ".run" / "chaos" / "home"
    home.mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        link = home / name
        if not link.is_symlink():
            link.symlink_to(checkout / name)
    run = home / ".run"
    if run.exists():
        shutil.rmtree(run)
    libs = checkout / ".run" / "kafka" / "libs"
    if _current(libs / ".pom-sha256", checkout / "deploy" / "kafka" / "pom.xml"):
        (run / "kafka").mkdir(parents=True)
        (run / "kafka" / "libs").symlink_to(libs)
    return home


def _current(stamp: Path, pom: Path) -> bool:
    """Whether the checkout's jars were fetched for the pom as it is now (else the chaos
    stack fetches its own: a link to stale jars could not be replaced)."""
    try:
        return stamp.read_text().strip() == hashlib.sha256(pom.read_bytes()).hexdigest()
    except OSError:
        return False


def enter_chaos_home(env: dict[str, str]) -> None:
    """Point this process at the chaos stack (the launcher caches the checkout's root)."""
    for variable, value in env.items():
        if value:
            os.environ[variable] = value
        else:
            os.environ.pop(variable, None)
    paths.repo_root.cache_clear()


@contextlib.contextmanager
def exclusive(checkout: Path, wait_s: float) -> Iterator[None]:
    """Hold the chaos lock: one chaos run per machine at a time (they share ports)."""
    lock_path = checkout / ".run" / "chaos" / "lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise DevstackError(
                        f"another chaos run holds {lock_path} after {wait_s:.0f} s"
                    ) from None
                time.sleep(1.0)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
