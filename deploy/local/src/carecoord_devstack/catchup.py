"""How fast care_plans catches up on the referrals path after its consumer stood still.

A minute's consumer outage is only harmless if the backlog is absorbed in seconds:
issue 15 measured 47 events/s on 2 cores (so request-to-effect reached p99 43 s) and
asks for >= 1,000. This measures it the way it happens: the care_plans workers are
frozen (SIGSTOP: the process stands still, as in a long GC pause or a stalled host,
and Kafka evicts it from its group), units of load (`chaos_load`: an A&G request and
its advice, each adding a Task to the patient's plan) go on through the referrals
API for `stop_s` seconds, then the workers are thawed and the backlog is applied.
The figure is events applied per second from the first to the last applied row of
the backlog (PostgreSQL's own timestamps in care_plans' inbox), and the time from the
thaw to caught up, which includes rejoining the consumer group. `make bench` prints
it for the stack it runs; `python -m carecoord_devstack.catchup` measures it on a
stack of its own, on the chaos run's ports, without touching anyone else's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from carecoord_devstack import stack
from carecoord_devstack.chaos_checks import fetch, registered
from carecoord_devstack.chaos_env import (
    ChaosPorts,
    chaos_environment,
    enter_chaos_home,
    exclusive,
    prepare_home,
)
from carecoord_devstack.chaos_load import Driver, Tokens, make_population
from carecoord_devstack.paths import repo_root
from carecoord_devstack.stack_services import replicas
from carecoord_devstack.status import read_state
from carecoord_devstack.tokens import dev_issuer_folder
from carecoord_shared.security.dev_issuer import DevIssuer

__all__ = ["CatchUp", "measure"]

TARGET = 1000.0  # events/s on 2 cores (issue 15)
REFERRALS_TOPIC = "carecoord.referrals.v1"


@dataclass(frozen=True)
class CatchUp:
    units: int  # sent while the consumer stood still
    backlog: int  # referrals events it had to apply
    applied_per_s: float  # first to last applied row of the backlog
    caught_up_s: float  # thaw -> the last backlog event applied
    cpu_ms_per_event: float  # the care_plans workers' CPU time over the catch-up, per event
    load: float = 0.0  # the machine's 1-minute load average when caught up (2 cores shared)

    def summary(self) -> str:
        verdict = "meets" if self.applied_per_s >= TARGET else "below"
        return (
            f"catch-up after a consumer stop: {self.backlog:,} events ({self.units:,} units) "
            f"applied at {self.applied_per_s:,.0f} events/s, caught up {self.caught_up_s:.1f} s "
            f"after the thaw, {self.cpu_ms_per_event:.1f} ms of worker CPU per event "
            f"({verdict} the {TARGET:,.0f} events/s target; load average {self.load:.1f})"
        )


def _care_plans_workers() -> list[int]:
    names = {r.name for r in replicas(worker=True) if r.service.name == "care_plans"}
    state = read_state() or {}
    return [
        int(c["pid"])
        for c in state.get("components", [])
        if c.get("name") in names and isinstance(c.get("pid"), int)
    ]


def _cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used (from /proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


async def _backlog_ids(since: float) -> list[str]:
    rows = await fetch(
        "referrals",
        "select id::text from outbox where topic = $1 and created_at >= to_timestamp($2)",
        REFERRALS_TOPIC,
        since,
    )
    return [row[0] for row in rows]


async def _applied(ids: list[str]) -> tuple[int, float, float]:
    """(how many of `ids` care_plans applied, first and last processed_at)."""
    rows = await fetch(
        "care_plans",
        "select count(*), extract(epoch from min(processed_at)), "
        "extract(epoch from max(processed_at)) from inbox where event_id = any($1)",
        ids,
    )
    count, first, last = rows[0]
    return int(count), float(first or 0), float(last or 0)


def _profile(pids: list[int], output: Path | None) -> subprocess.Popen[bytes] | None:
    """py-spy on the first care_plans worker while it catches up (collapsed stacks)."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    spy = shutil.which("py-spy", path=search)
    if output is None or not pids or spy is None:
        return None
    command = [spy, "record", "--pid", str(pids[0]), "--duration", "30", "--rate", "200"]
    command += ["--format", "raw", "--nonblocking", "--output", str(output)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def top_frames(collapsed: Path, count: int = 25) -> list[str]:
    """The functions in most samples (inclusive), from py-spy's collapsed stacks."""
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack_, _, samples = line.rpartition(" ")
        if not samples.isdigit():
            continue
        total += int(samples)
        for frame in set(stack_.split(";")):
            inclusive[frame] += int(samples)
    return [f"{100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(count)]


async def measure(
    stop_s: float = 20.0, patients: int = 100, rate: float = 60.0, profile: Path | None = None
) -> CatchUp:
    """Freeze care_plans' workers, load for `stop_s`, thaw, time the catch-up (and with
    `profile`, record where the first worker spends the catch-up)."""
    tokens = Tokens(DevIssuer(dev_issuer_folder()))
    first = 600_000 + (int(time.time()) % 2000) * 100  # fresh patients on a reused stack
    population = await make_population(stack.base_urls(), tokens, patients, first)
    await registered(population.people, 120)
    apis = [r.url for r in replicas(worker=False) if r.service.name == "referrals"]
    driver = Driver(apis, tokens, population, uuid.uuid4().hex[:8])
    pids = _care_plans_workers()
    frozen_at = time.time()
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        keep_going = asyncio.Event()
        keep_going.set()
        asyncio.get_running_loop().call_later(stop_s, keep_going.clear)
        await driver.drive(rate, 16, keep_going, 0)
        ids = await _backlog_ids(frozen_at)
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
    thawed, cpu_before = time.time(), _cpu_s(pids)
    spy = _profile(pids, profile)
    while True:
        count, first_at, last_at = await _applied(ids)
        if count >= len(ids) or time.time() - thawed > 600:
            break
        await asyncio.sleep(0.2)
    cpu_per_event = 1000 * (_cpu_s(pids) - cpu_before) / max(1, count)
    if spy is not None:
        spy.wait(60)
    rate_applied = count / (last_at - first_at) if last_at > first_at else float(count)
    caught_up_s, load = last_at - thawed, os.getloadavg()[0]
    return CatchUp(len(driver.units), len(ids), rate_applied, caught_up_s, cpu_per_event, load)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stop", type=float, default=20.0, help="seconds the consumer stands")
    parser.add_argument("--profile", type=Path, help="py-spy's collapsed stacks go here")
    args = parser.parse_args()
    checkout = repo_root()
    with exclusive(checkout, wait_s=600):
        enter_chaos_home(chaos_environment(checkout / ".run/chaos/home", ChaosPorts(), 1))
        stack.stop(echo=lambda _line: None)
        prepare_home(checkout)
        try:
            if stack.run_detached(timeout=240, load_demo=False) != 0:
                return 1
            print(asyncio.run(measure(args.stop, profile=args.profile)).summary(), flush=True)
            if args.profile is not None and args.profile.exists():
                print("\n".join(["where care_plans' worker spent it:", *top_frames(args.profile)]))
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
