"""One switch for the local infrastructure: PostgreSQL and Kafka together.

Developers, `.ci/run` and the service launcher want "the infrastructure" up or
down as one thing, with one short report. This module starts both components
concurrently (Kafka's JVM start-up dominates, so PostgreSQL comes for free),
stops both, and reports their state, leaving the real work to postgres.py and
kafka.py. Every function is idempotent and returns whether all went well: `up`
brings back whichever component is down and leaves one that runs alone, so it is
also the repair after an outage (the supervisor of `carecoord run` restarts each
component through the same `Component.start`).
"""

from __future__ import annotations

import contextlib
import fcntl
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from carecoord_devstack import kafka, kafka_setup, postgres
from carecoord_devstack.paths import DevstackError, port_open, run_dir

Echo = Callable[[str], None]


@dataclass(frozen=True)
class Component:
    name: str
    start: Callable[[], str]
    stop: Callable[[], str]
    running: Callable[[], bool]
    port: Callable[[], int]
    where: Callable[[], str]
    pid: Callable[[], int | None]  # its main process, None when it is not running
    log: Callable[[], Path]


def _broker_pid() -> int | None:
    pids = kafka.broker_pids()
    return pids[0] if pids else None


COMPONENTS = (
    Component(
        "postgres",
        postgres.start,
        postgres.stop,
        postgres.is_running,
        postgres.pg_port,
        lambda: postgres.postgres_url("{" + ",".join(postgres.DATABASES) + "}"),
        postgres.server_pid,
        postgres.log_file,
    ),
    Component(
        "kafka",
        kafka.start,
        kafka.stop,
        kafka.is_running,
        kafka.kafka_port,
        lambda: f"bootstrap {kafka.kafka_bootstrap()}",
        _broker_pid,
        lambda: kafka_setup.home() / "logs" / "server.log",
    ),
)


def _timed(action: Callable[[], str]) -> tuple[bool, str, float]:
    began = time.monotonic()
    try:
        return True, action(), time.monotonic() - began
    except (DevstackError, OSError, subprocess.SubprocessError) as error:
        return False, f"FAILED: {error}", time.monotonic() - began


def _each(pick: Callable[[Component], Callable[[], str]], echo: Echo) -> bool:
    with ThreadPoolExecutor(len(COMPONENTS)) as pool:
        results = list(pool.map(lambda c: _timed(pick(c)), COMPONENTS))
    for component, (_, message, took) in zip(COMPONENTS, results, strict=True):
        echo(f"  {component.name:<9} {message} [{took:.1f} s]")
    return all(ok for ok, _, _ in results)


@contextlib.contextmanager
def _one_at_a_time() -> Iterator[None]:
    """Several callers at once (pytest-xdist workers, each starting the infrastructure it
    needs) take turns: the first starts PostgreSQL and Kafka, the others find them up."""
    folder = run_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "infra.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def up(echo: Echo = print) -> bool:
    """Start whichever of PostgreSQL and Kafka is down (concurrently); one that is up is
    left alone (only checked: its databases exist, it answers)."""
    with _one_at_a_time():
        return _up(echo)


def _up(echo: Echo) -> bool:
    echo("Starting local infrastructure...")
    try:  # a refused port (say, inside the ephemeral range) stops everything before it starts
        for component in COMPONENTS:
            component.port()
    except DevstackError as error:
        echo(f"  FAILED: {error}")
        return False
    ok = _each(lambda c: c.start, echo)
    if ok:
        for component in COMPONENTS:
            echo(f"  {component.name:<9} {component.where()}")
    else:
        echo("Not everything started; `carecoord infra down` stops what did.")
    return ok


def down(echo: Echo = print) -> bool:
    """Stop both; stopping what is not running succeeds."""
    echo("Stopping local infrastructure...")
    return _each(lambda c: c.stop, echo)


def status(echo: Echo = print) -> bool:
    """Report both; True only when both run and accept connections."""
    healthy = True
    for component in COMPONENTS:
        running = component.running()
        answering = running and port_open(component.port())
        healthy = healthy and answering
        if answering:
            state = f"running    {component.where()}"
        elif running:
            state = f"running but not accepting connections on port {component.port()}"
        else:
            state = "stopped"
        echo(f"  {component.name:<9} {state}")
    return healthy
