"""The rows of the speed table measured by the existing benchmark scripts, the catch-up
measurement and the processes' memory.

The scripts (`services/*/bench/`, `shared/bench/bench_events.py`) are run as they are,
their output shown as it comes and the table's figures read from the lines they
print; with a profile folder, py-spy records each script's process and its children
(for the in-process ones that process is the service's app) from start to end.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

from carecoord_devstack import catchup
from carecoord_devstack.bench_profile import Spy, summary
from carecoord_devstack.bench_table import Figure, Row, filled
from carecoord_devstack.kafka import kafka_bootstrap
from carecoord_devstack.paths import repo_root
from carecoord_devstack.stack_services import replicas
from carecoord_devstack.status import read_state

__all__ = [
    "catch_up_row",
    "cpu_seconds",
    "events_figure",
    "events_row",
    "memory_row",
    "plans_figure",
    "run_script",
    "script_row",
    "worklist_figure",
]

_NUMBER = r"([\d,]+(?:\.\d+)?)"


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def worklist_figure(output: str) -> Figure | None:
    """From bench_triage.py's worklist line."""
    found = re.search(
        rf"provider worklist \(Task search, 20 of (\d+) by due date\), concurrency (\d+): "
        rf"{_NUMBER} req/s, p50 {_NUMBER} ms, p99 {_NUMBER} ms, failures (\d+)",
        output,
    )
    if found is None:
        return None
    note = f"in process over ASGI, {found[1]} tasks, concurrency {found[2]}"
    note += f", {found[6]} failures" if found[6] != "0" else ""
    return Figure(_number(found[3]), _number(found[4]), _number(found[5]), note=note)


def plans_figure(output: str) -> Figure | None:
    """From bench_plans.py's update line (it prints p95, not p99)."""
    found = re.search(
        rf"CarePlan update \(concurrency (\d+)\): (\d+) requests, {_NUMBER}/s, "
        rf"p50 {_NUMBER} ms, p95 {_NUMBER} ms",
        output,
    )
    if found is None:
        return None
    note = f"in process over ASGI, concurrency {found[1]}, p95 {found[5]} ms"
    return Figure(_number(found[3]), _number(found[4]), note=note)


def events_figure(output: str) -> Figure | None:
    """From bench_events.py's steady line: the offered rate counts when the writers
    committed at least 95% of it; lag is flat when under one second's worth is behind."""
    found = re.search(
        rf"steady (\d+)s: target\s+{_NUMBER}/s\s+committed\s+{_NUMBER}/s\s+"
        rf"backlog at end\s+(-?\d+)\s+p50\s+{_NUMBER} ms\s+p90\s+{_NUMBER} ms\s+"
        rf"p99\s+{_NUMBER} ms",
        output,
    )
    if found is None:
        return None
    offered, committed = _number(found[2]), _number(found[3])
    rate = offered if committed >= 0.95 * offered else committed
    flat = int(found[4]) <= offered
    note = f"{found[1]} s at {offered:,.0f}/s offered, backlog at end {found[4]}"
    return Figure(rate, _number(found[5]), _number(found[7]), lag_flat=flat, note=note)


def run_script(path: Path, args: list[str], profile: Path | None = None) -> tuple[str, list[str]]:
    """Run a script, echoing its output; (the output, the profile's top frames)."""
    print(f"\n== {path.relative_to(repo_root())} {' '.join(args)}", flush=True)
    command = [sys.executable, str(path), *args]
    with subprocess.Popen(
        command, cwd=repo_root(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        spy = Spy(process.pid, profile) if profile is not None else None
        lines = []
        for line in process.stdout or []:
            print(line, end="", flush=True)
            lines.append(line)
    return "".join(lines), spy.stop() if spy else []


def script_row(key: str, script: str, args: list[str], profile_dir: Path | None) -> Row:
    """Run `script` (relative to the checkout) and read row `key`'s figure from it."""
    parse = {"worklist": worklist_figure, "careplan": plans_figure, "events": events_figure}
    profile = profile_dir / f"{key}.txt" if profile_dir is not None else None
    output, frames = run_script(repo_root() / script, args, profile)
    found = parse[key](output)
    if frames:  # the script's process from start to end, not this phase alone
        frames = [f"(all of {Path(script).name}: its set-up and other phases too)", *frames]
    return filled(key, found, "" if found else f"{script} printed no figure", frames)


def events_row(seconds: float, rate: float, ramp: bool, profile_dir: Path | None) -> Row:
    """The event kernel's benchmark, on the stack's own Kafka (not the default port)."""
    args = ["--seconds", f"{seconds:g}", "--rate", f"{rate:g}", "--bootstrap", kafka_bootstrap()]
    return script_row(
        "events", "shared/bench/bench_events.py", args + ["--ramp"] * ramp, profile_dir
    )


def catch_up_row(stop_s: float, profile_dir: Path | None) -> Row:
    profile = profile_dir / "catchup.txt" if profile_dir is not None else None
    print(f"\n== Catch-up: referrals -> care_plans after a {stop_s:g} s stop", flush=True)
    measured = asyncio.run(catchup.measure(stop_s, profile=profile))
    print("  " + measured.summary(), flush=True)
    frames = summary(profile) if profile is not None and profile.exists() else []
    note = f"{measured.backlog:,} events after a {stop_s:g} s stop, care_plans worker"
    return filled("catchup", Figure(measured.applied_per_s, note=note), "", frames)


def cpu_seconds(pid: int | None) -> float | None:
    """CPU (user + system) used so far by `pid` and its live descendants, such as an
    API's uvicorn workers; None when it cannot be read. Divided by the requests of a
    phase it is the API's CPU per request, which another load on the machine changes
    far less than it changes the rate."""
    if pid is None:
        return None
    tree, pids, ticks = _children(), [pid], 0
    while pids:
        current = pids.pop()
        pids += tree.get(current, [])
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            if current == pid:
                return None
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(parent, []).append(int(stat.parent.name))
    return tree


def _tree_rss_mib(pid: int, tree: dict[int, list[int]]) -> float:
    """RSS of a process and its descendants."""
    pids, total = [pid], 0
    while pids:
        current = pids.pop()
        pids += tree.get(current, [])
        try:
            total += _rss_kib(current)
        except OSError:
            continue
    return total / 1024


def memory_row() -> Row:
    """RSS of every API and worker process of the stack, with their children."""
    components = {
        c["name"]: int(c["pid"]) for c in (read_state() or {}).get("components", []) if c.get("pid")
    }
    tree, split = _children(), {}
    for worker in (False, True):
        pids = [components[r.name] for r in replicas(worker=worker) if r.name in components]
        split["workers" if worker else "APIs"] = (
            len(pids),
            sum(_tree_rss_mib(p, tree) for p in pids),
        )
    if not any(count for count, _ in split.values()):
        return filled("memory", None, "no API or worker process recorded by the supervisor")
    note = ", ".join(f"{count} {kind} {mib:,.0f} MiB" for kind, (count, mib) in split.items())
    total = sum(mib for _, mib in split.values())
    return filled("memory", Figure(rss_mib=total, note=note + ", after the HTTP load"))
