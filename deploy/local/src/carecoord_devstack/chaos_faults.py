"""The faults of a chaos run, and how long the stack took to get over each.

Each fault is a kill -9, as a crash, an OOM kill or a pulled plug would be: of a
worker (found in the supervisor's record), of the worker whose outbox relay is the
active one (it says so in its /metrics), of an API replica, of the Kafka broker or
of the PostgreSQL postmaster. Nobody helps afterwards: the supervisor of `carecoord
run` must bring the process back, and the services must resume by themselves. For
each fault the run measures, from the kill, when the process answers its health
check again (`back`) and when the path consumes again: a service's consumers have
applied an event after the kill (a new inbox row; for the relay, a newly published
outbox row), after the broker or the database was back. The times come from the
databases' own clocks and the kill's wall-clock time, on one machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from carecoord_devstack import kafka, postgres
from carecoord_devstack.chaos_checks import fetch
from carecoord_devstack.stack_services import replicas
from carecoord_devstack.status import read_state

__all__ = ["Fault", "FaultResult", "Readiness", "all_back", "inflict"]

POLL_S = 0.5
CONSUMERS = ("referrals", "care_plans", "mdt")  # services whose consumers get events under load
LIMIT_S = {"worker": 120.0, "relay": 120.0, "api": 120.0, "kafka": 400.0, "postgres": 240.0}


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str  # "worker", "relay", "api", "kafka" or "postgres"
    target: str  # the component's name (a service, for "relay")


@dataclass
class FaultResult:
    fault: Fault
    name: str  # what was killed
    at: float  # wall-clock time of the kill
    pid: int
    back_s: float | None = None  # kill -> its health check answers again
    consuming_s: float | None = None  # kill -> events applied again
    back_at: float | None = None

    @property
    def after_back_s(self) -> float | None:
        if self.consuming_s is None or self.back_s is None:
            return None
        return self.consuming_s - self.back_s


def _pid_of(name: str) -> int:
    state = read_state() or {}
    for component in state.get("components", []):
        if component.get("name") == name and isinstance(component.get("pid"), int):
            return int(component["pid"])
    raise RuntimeError(f"the supervisor records no running {name}")


def _urls(worker: bool) -> dict[str, str]:
    return {replica.name: replica.url for replica in replicas(worker=worker)}


async def _answers(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(url, timeout=2)).status_code == 200
    except httpx.HTTPError:
        return False


async def _active_relay(client: httpx.AsyncClient, service: str) -> str:
    """The name of the worker of `service` whose relay holds the lock."""
    for name, url in _urls(worker=True).items():
        if not name.startswith(f"{service}-") and name != f"{service}-worker":
            continue
        try:
            metrics = (await client.get(f"{url}/metrics", timeout=5)).text
        except httpx.HTTPError:
            continue
        if "carecoord_outbox_relay_active 1.0" in metrics:
            return name
    raise RuntimeError(f"no worker of {service} has an active relay")


async def _target(client: httpx.AsyncClient, fault: Fault) -> tuple[str, int]:
    """Which process the fault kills: (what it is called, its pid)."""
    if fault.kind == "kafka":
        return "kafka", kafka.broker_pids()[0]
    if fault.kind == "postgres":
        pid = postgres.server_pid()
        if pid is None:
            raise RuntimeError("PostgreSQL is not running")
        return "postgres", pid
    name = await _active_relay(client, fault.target) if fault.kind == "relay" else fault.target
    return name, _pid_of(name)


async def _first_after(database: str, table: str, column: str, moment: float) -> float | None:
    """When the first row of `table` stamped after `moment` was stamped: its transaction
    had begun applying (or publishing) then, whenever it committed."""
    sql = f"select extract(epoch from min({column})) from {table} where {column} > to_timestamp($1)"  # noqa: S608 - fixed names
    try:
        rows = await fetch(database, sql, moment)
    except Exception:  # down, or coming back: not yet
        return None
    return None if rows[0][0] is None else float(rows[0][0])


async def _consuming(fault: Fault, name: str, moment: float, back_at: float | None) -> float | None:
    """When events flowed again after `moment`: the killed worker's service applied one
    (an inbox row; with replicas, perhaps by the other replica before this one is back),
    the relay published one, or care_plans applied one after the broker or the database
    came back. A worker whose service gets no events under this load (the portal's)
    counts as consuming once it is back. None: not yet."""
    if fault.kind == "relay":
        return await _first_after("referrals", "outbox", "published_at", moment)
    service = name.split("-")[0]
    if fault.kind in ("worker", "api") and service not in CONSUMERS:
        return back_at
    database = "care_plans" if fault.kind in ("kafka", "postgres") else service
    return await _first_after(database, "inbox", "processed_at", moment)


async def _back(client: httpx.AsyncClient, fault: Fault, name: str, pid: int) -> bool:
    """Whether the killed process is back: a new process answering its health check."""
    if fault.kind == "kafka":
        return bool(kafka.broker_pids()) and await kafka.metadata_ok(kafka.kafka_bootstrap())
    if fault.kind == "postgres":
        try:
            await fetch("postgres", "select 1")
        except Exception:  # not yet
            return False
        return True
    try:
        if _pid_of(name) == pid:
            return False
    except RuntimeError:
        return False
    url = (_urls(worker=True) | _urls(worker=False))[name]
    return await _answers(client, f"{url}/readyz")


async def inflict(fault: Fault, echo: Callable[[str], None]) -> FaultResult:
    """Kill, then wait (bounded) until the process is back and events flow again."""
    async with httpx.AsyncClient() as client:
        name, pid = await _target(client, fault)
        os.kill(pid, signal.SIGKILL)
        began = time.time()
        result = FaultResult(fault, name, began, pid)
        echo(f"  kill -9 {name} (pid {pid})")
        infrastructure = fault.kind in ("kafka", "postgres")
        while time.time() < began + LIMIT_S[fault.kind]:
            now = time.time()
            if result.back_at is None and await _back(client, fault, name, pid):
                result.back_at, result.back_s = now, now - began
            since = result.back_at if infrastructure else began
            if result.consuming_s is None and since is not None:
                resumed = await _consuming(fault, name, since, result.back_at)
                result.consuming_s = None if resumed is None else max(0.0, resumed - began)
            if result.back_at is not None and result.consuming_s is not None:
                return result
            await asyncio.sleep(POLL_S)
    return result


@dataclass
class Readiness:
    """Samples of every API's /readyz while a fault lasts (status code, body status)."""

    samples: list[tuple[float, str, int, str]] = field(default_factory=list)

    async def watch(self, stop: asyncio.Event, every_s: float = 1.0) -> None:
        urls = _urls(worker=False)
        async with httpx.AsyncClient(timeout=3) as client:
            while not stop.is_set():
                for name, url in urls.items():
                    try:
                        answer = await client.get(f"{url}/readyz")
                        state = str(answer.json().get("status", ""))
                        self.samples.append((time.time(), name, answer.status_code, state))
                    except (httpx.HTTPError, ValueError):
                        self.samples.append((time.time(), name, 0, "no answer"))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), every_s)


async def all_back() -> list[str]:
    """What is not back and healthy at the end: every component up in the supervisor's
    record, every worker live (/healthz) and every API ready (not degraded)."""
    problems = []
    state = read_state() or {}
    for component in state.get("components", []):
        if component.get("state") != "up":
            problems.append(f"{component.get('name')} is {component.get('state')}")
    async with httpx.AsyncClient(timeout=5) as client:
        checks = [(f"{u}/healthz", n, "ok") for n, u in _urls(worker=True).items()]
        checks += [(f"{u}/readyz", n, "ready") for n, u in _urls(worker=False).items()]
        for url, name, wanted in checks:
            try:
                answer = await client.get(url)
                status = answer.json().get("status")
            except (httpx.HTTPError, ValueError):
                problems.append(f"{name} does not answer {url}")
                continue
            if answer.status_code != 200 or status != wanted:
                problems.append(f"{name}: {url} answers {answer.status_code} {status}")
    return problems
