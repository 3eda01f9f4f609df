"""`make chaos`: the whole stack under load while its processes are killed, then checked.

Issue 15 asks for a run an operator would trust: the stack on its own ports (so no
one else's tests are touched), load through the APIs (`chaos_load`), kill -9 of each
worker, of the active relay, of the Kafka broker and of PostgreSQL one after another
while the load goes on (`chaos_faults`), nobody helping; then every committed effect
must be there exactly once and in order, nothing dead-lettered, every process back,
and clients must have seen only what they should (`chaos_checks`, `chaos_report`).
The full run (`make chaos`) kills each worker three times, the broker twice and the
database once during 3,000 units; `--small` (the test inside `make test`) does one
of each kind in a couple of minutes. Whatever happens, everything it started is
stopped. Exit code 0 only when every finding passed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import sys
import time
import uuid
from dataclasses import dataclass

from carecoord_devstack import chaos_checks, stack
from carecoord_devstack.chaos_env import (
    ChaosPorts,
    chaos_environment,
    enter_chaos_home,
    exclusive,
    prepare_home,
)
from carecoord_devstack.chaos_faults import Fault, FaultResult, Readiness, all_back, inflict
from carecoord_devstack.chaos_load import Driver, Tokens, make_population
from carecoord_devstack.chaos_report import (
    answers_findings,
    data_findings,
    readiness_findings,
    recovery_findings,
    units_findings,
)
from carecoord_devstack.kafka import kafka_bootstrap
from carecoord_devstack.paths import repo_root, run_dir
from carecoord_devstack.stack_services import SERVICES, replicas
from carecoord_devstack.tokens import dev_issuer_folder
from carecoord_shared.security.dev_issuer import DevIssuer

GAP_S = 4.0  # load flows this long between faults
START_TIMEOUT_S = 240.0


@dataclass(frozen=True)
class Plan:
    units: int
    patients: int
    worker_kills: int  # of each worker (the referrals worker's as the active relay's)
    broker_kills: int
    postgres_kills: int
    rate: float  # units started per second
    lanes: int  # concurrent clients
    services: tuple[str, ...] = tuple(s.name for s in SERVICES)  # whose workers are killed
    timing_limits: bool = True  # recovery over the acceptance limits fails the run

    def faults(self) -> list[Fault]:
        """Rounds that kill each chosen worker once (with replicas, the replicas in turn;
        for referrals, whichever worker runs the active relay), the broker and database
        kills spread evenly between them, and, with replicas, one API replica."""
        workers = replicas(worker=True)
        plan: list[Fault] = []
        for round_ in range(self.worker_kills):
            for name in self.services:
                same = [w for w in workers if w.service.name == name]
                chosen = same[round_ % len(same)].name
                plan.append(
                    Fault("relay", name) if name == "referrals" else Fault("worker", chosen)
                )
        infra = [Fault("kafka", "kafka")] * self.broker_kills
        infra += [Fault("postgres", "postgres")] * self.postgres_kills
        infra = infra[::2] + infra[1::2]  # kafka, postgres, kafka, ...
        count, spread = len(plan), len(infra) + 1
        for index in reversed(range(len(infra))):  # after a worker kill, between rounds
            plan.insert(count - (len(infra) - index) * count // spread, infra[index])
        if len(replicas(worker=False)) > len(SERVICES):
            plan.insert(1, Fault("api", f"{SERVICES[1].name}-2"))
        return plan


FULL = Plan(3000, 200, 3, 2, 1, rate=8.0, lanes=16)
# Inside `make test` the suite's other tests share the two cores, so the small run reports
# recovery times but fails only on data, client answers, readiness and processes not back.
SMALL = Plan(100, 24, 1, 1, 1, 6.0, 8, services=("care_plans",), timing_limits=False)


async def _faults(plan: Plan, readiness: Readiness) -> list[FaultResult]:
    results = []
    for fault in plan.faults():
        await asyncio.sleep(GAP_S)
        watching = asyncio.Event()
        watcher = asyncio.create_task(readiness.watch(watching))
        try:
            result = await inflict(fault, print)
        finally:
            watching.set()
            await watcher
        print(
            f"    back after {result.back_s or float('nan'):.1f} s, "
            f"consuming after {result.consuming_s or float('nan'):.1f} s",
            flush=True,
        )
        results.append(result)
    return results


async def _exercise(plan: Plan) -> list[str]:
    """Population, load with faults, settling, checks; returns the failures."""
    tokens = Tokens(DevIssuer(dev_issuer_folder()))
    urls = stack.base_urls()
    began = time.monotonic()
    population = await make_population(urls, tokens, plan.patients)
    await chaos_checks.registered(population.people, 120)
    print(
        f"Population: {plan.patients} patients with care plans [{time.monotonic() - began:.1f} s]"
    )
    apis = [r.url for r in replicas(worker=False) if r.service.name == "referrals"]
    driver = Driver(apis, tokens, population, uuid.uuid4().hex[:8])
    keep_going, readiness = asyncio.Event(), Readiness()
    keep_going.set()
    load = asyncio.create_task(driver.drive(plan.rate, plan.lanes, keep_going, plan.units))
    try:
        results = await _faults(plan, readiness)
    finally:
        keep_going.clear()
        await load
    print(f"Load done: {len(driver.units):,} units; settling...", flush=True)
    settled = await chaos_checks.settle(300)
    print(f"Settled in {settled:.1f} s", flush=True)
    verdict = await chaos_checks.verify(driver.units, kafka_bootstrap())
    failures = recovery_findings(results, print, enforce=plan.timing_limits)
    failures += answers_findings(driver.answers, results, print)
    failures += readiness_findings(readiness.samples, results, print)
    failures += data_findings(verdict, len(driver.units), print)
    failures += units_findings(driver.units)
    failures += [f"not back: {problem}" for problem in await all_back()]
    return failures


def _machine_load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def run(plan: Plan, replica_count: int) -> int:
    checkout = repo_root()
    with exclusive(checkout, wait_s=600):
        home = checkout / ".run" / "chaos" / "home"
        enter_chaos_home(chaos_environment(home, ChaosPorts(), replica_count))
        if run_dir().exists():
            stack.stop(echo=lambda _line: None)  # whatever an interrupted run left
        prepare_home(checkout)
        print(f"Chaos run in {home} ({_machine_load()}); plan: {plan}", flush=True)
        failures = ["the stack did not start"]
        try:
            if stack.run_detached(timeout=START_TIMEOUT_S, load_demo=False) == 0:
                failures = asyncio.run(_exercise(plan))
        finally:
            print(f"Stopping the chaos stack ({_machine_load()})...", flush=True)
            with contextlib.suppress(Exception):
                stack.stop()
    print("\nCHAOS " + ("PASSED" if not failures else f"FAILED ({len(failures)} findings):"))
    for failure in failures[:50]:
        print(f"  - {failure}")
    return 0 if not failures else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="the bounded run of make test")
    parser.add_argument("--units", type=int, help="units of load (A&G request + advice)")
    parser.add_argument("--worker-kills", type=int, help="kills of each worker")
    parser.add_argument("--broker-kills", type=int, help="kills of the Kafka broker")
    parser.add_argument("--postgres-kills", type=int, help="kills of PostgreSQL")
    parser.add_argument("--replicas", type=int, default=int(os.environ.get("CHAOS_REPLICAS", 1)))
    args = parser.parse_args(argv)
    plan = SMALL if args.small else FULL
    chosen = ("units", "worker_kills", "broker_kills", "postgres_kills")
    changes = {name: getattr(args, name) for name in chosen if getattr(args, name) is not None}
    plan = dataclasses.replace(plan, **changes)
    return run(plan, args.replicas)


if __name__ == "__main__":
    sys.exit(main())
