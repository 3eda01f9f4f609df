"""`make bench`: the speed table of issue 16, measured against a running stack.

Starts the local stack (detached, with demo data) if it is not already up, or with
`--own-stack` a stack of its own on the chaos run's ports and home (never the stack
other people's tests use), then fills each row: read by id, A&G submission and a
plain create over HTTP on the referrals API (`bench_http`); the worklist search and
the care plan update from the services' own benchmark scripts; the event kernel's
commit-to-effect latency at a steady rate; how fast care_plans catches up on the
referrals path after its consumer stood still (`catchup`); the RSS of the APIs and
workers. The table is printed with the machine (cores, RAM, CPU model, load) and
written as JSON (`.run/bench/bench-<timestamp>.json`) for tracking. `--profile`
records the API process of each benchmark with py-spy and prints its top frames.
Speed targets live here, never in timed unit tests. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import urllib.request
from pathlib import Path

from carecoord_devstack import bench_runs, stack
from carecoord_devstack.bench_http import http_rows
from carecoord_devstack.bench_table import ROWS, Row, filled, machine_facts, render, write_json
from carecoord_devstack.chaos_env import (
    ChaosPorts,
    chaos_environment,
    enter_chaos_home,
    exclusive,
    prepare_home,
)
from carecoord_devstack.paths import repo_root

__all__ = ["machine", "main"]

PLANS = "services/care_plans/bench/bench_plans.py"
TRIAGE = "services/referrals/bench/bench_triage.py"


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {memory:.1f} GiB RAM, "
        f"Python {platform.python_version()}, everything co-located (services, PostgreSQL, "
        "Kafka, load generator)"
    )


def _ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/readyz", timeout=2) as answer:  # noqa: S310 - loopback
            return bool(answer.status == 200)
    except OSError:
        return False


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per HTTP load phase")
    parser.add_argument("--event-seconds", type=float, default=60.0, help="target: 600")
    parser.add_argument("--event-rate", type=float, default=1000.0)
    parser.add_argument("--event-ramp", action="store_true", help="then find the ceiling")
    parser.add_argument("--skip-events", action="store_true")
    parser.add_argument("--catch-up-stop", type=float, default=20.0, metavar="S")
    parser.add_argument("--skip-catch-up", action="store_true")
    parser.add_argument(
        "--other-scripts",
        action="store_true",
        help="also services/*/bench/ scripts not in the table",
    )
    parser.add_argument("--profile", action="store_true", help="py-spy each benchmark")
    parser.add_argument("--own-stack", action="store_true", help="on the chaos ports and home")
    return parser.parse_args()


def _measure(args: argparse.Namespace, profile_dir: Path | None) -> list[Row]:
    """Every row, in the table's order (a row that was skipped says so)."""
    base = stack.base_urls()["referrals"]
    rows = {row.key: row for row in asyncio.run(http_rows(base, args.seconds, profile_dir))}
    rows["memory"] = bench_runs.memory_row()  # after the HTTP load: the APIs are warm
    rows["worklist"] = bench_runs.script_row("worklist", TRIAGE, ["500", "16"], profile_dir)
    rows["careplan"] = bench_runs.script_row("careplan", PLANS, ["500", "10"], profile_dir)
    if not args.skip_events:
        rows["events"] = bench_runs.events_row(
            args.event_seconds, args.event_rate, args.event_ramp, profile_dir
        )
    if args.other_scripts:
        for script in sorted(repo_root().glob("services/*/bench/*.py")):
            if str(script.relative_to(repo_root())) not in (PLANS, TRIAGE):
                bench_runs.run_script(script, [])
    if not args.skip_catch_up:
        rows["catchup"] = bench_runs.catch_up_row(args.catch_up_stop, profile_dir)
    return [rows.get(row.key) or filled(row.key, None, "skipped") for row in ROWS]


def _on_stack(args: argparse.Namespace, results: Path) -> int:
    """Measure on the stack this process points at, starting it if it is not up."""
    started_here = not _ready(stack.base_urls()["referrals"])
    if started_here and stack.run_detached(timeout=300) != 0:
        print("The stack did not start; see .run/logs/", file=sys.stderr)
        return 1
    profile_dir = Path(tempfile.mkdtemp(prefix="bench-profile-")) if args.profile else None
    load_before = [round(x, 1) for x in os.getloadavg()]
    try:
        rows = _measure(args, profile_dir)
    finally:
        if started_here:
            stack.stop()
    facts = machine_facts() | {"load_average_before": load_before, "profiled": args.profile}
    print("\n" + render(rows, facts))
    print(f"\nwritten to {write_json(results, rows, facts)}")
    if profile_dir is not None:
        print(f"py-spy's collapsed stacks (for flame graphs) are in {profile_dir}")
    return 0


def main() -> int:
    args = _arguments()
    print(f"Machine: {machine()}")
    checkout = repo_root()
    results = checkout / ".run" / "bench"  # the checkout's, also for a stack of its own
    if not args.own_stack:
        return _on_stack(args, results)
    print("Waiting for the chaos lock (one stack on the chaos ports at a time)...", flush=True)
    with exclusive(checkout, wait_s=1800):
        enter_chaos_home(chaos_environment(checkout / ".run/chaos/home", ChaosPorts(), 1))
        stack.stop(echo=lambda _line: None)
        prepare_home(checkout)
        return _on_stack(args, results)


if __name__ == "__main__":
    sys.exit(main())
