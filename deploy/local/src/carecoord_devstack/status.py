"""`carecoord status`: what runs, what does not, and how often it has been restarted.

An operator who sees a `!!` line scroll past (or none, because they were not
looking) needs one command that answers "is everything up, and what came back by
itself?". The supervisor of `carecoord run` records each component's state, pid,
restarts and last exit code in `.run/stack.state.json`; this module prints that
record, but checks it against the machine first, so it never repeats a stale claim:
PostgreSQL and Kafka are looked at directly, an API or a worker counts as up only
if its recorded process is alive, and when the supervisor itself is gone the output
says so. It also asks each API's `/readyz` and each worker's `/healthz` (briefly),
because a live process is not necessarily a working one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from carecoord_devstack.infra import COMPONENTS
from carecoord_devstack.paths import pid_alive, port_open, run_dir
from carecoord_devstack.stack_services import replicas
from carecoord_devstack.supervisor import STATE_FILE

__all__ = ["read_state", "report"]

Echo = Callable[[str], None]
PROBE_TIMEOUT = 1.0


def read_state() -> dict[str, Any] | None:
    """The supervisor's last record, or None when there is none (or it is unreadable)."""
    try:
        state = json.loads(run_dir(STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def _probe_urls() -> dict[str, str]:
    """Every replica's probe: an API's /readyz, a worker's /healthz (on its own port)."""
    every = replicas(worker=False) + replicas(worker=True)
    return {r.name: f"{r.url}/{'healthz' if r.worker else 'readyz'}" for r in every}


def _probe(client: httpx.Client, url: str | None) -> str:
    if url is None:
        return ""
    try:
        answer = client.get(url)
    except httpx.HTTPError:
        return f"{url.rsplit('/', 1)[1]} no answer"
    return f"{url.rsplit('/', 1)[1]} {answer.status_code}"


def _infra_rows(recorded: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for component in COMPONENTS:
        pid = component.pid()
        answering = pid is not None and port_open(component.port())
        state = "up" if answering else "starting" if pid is not None else "down"
        row = dict(recorded.get(component.name, {}), name=component.name, state=state, pid=pid)
        rows.append(row)
    return rows


def _child_rows(recorded: dict[str, dict[str, Any]], live: bool) -> list[dict[str, Any]]:
    rows = []
    for name, row in recorded.items():
        if row.get("kind") == "infra":
            continue
        pid = row.get("pid")
        if not (isinstance(pid, int) and pid_alive(pid)):
            # the record may predate a kill -9 of the process, or of the supervisor
            row = dict(row, state="down", pid=None)
        if not live:
            row = dict(row, next_start_in=None)
        rows.append(dict(row, name=name))
    return rows


def _line(row: dict[str, Any], probe: str) -> str:
    pid = row.get("pid") or "-"
    code = row.get("last_exit_code")
    notes = []
    if row.get("crash_loop"):  # exits within the window: still looping, or just out of it
        notes.append("CRASH LOOP" if row.get("state") == "down" else "after a crash loop")
    if row.get("state") == "down" and row.get("next_start_in") is not None:
        notes.append(f"next start in {row['next_start_in']:g} s")
    return (
        f"  {row['name']:<19} {row['state']:<8} {pid!s:<8} {row.get('restarts', 0)!s:>8}  "
        f"{'-' if code is None else code!s:<9} {probe:<16} {' '.join(notes)}"
    ).rstrip()


def report(echo: Echo = print) -> bool:
    """Print every component's state; True when the supervisor runs and all is up."""
    state = read_state()
    supervisor = state.get("supervisor_pid") if state else None
    live = isinstance(supervisor, int) and pid_alive(supervisor)
    recorded = {c["name"]: c for c in (state or {}).get("components", []) if "name" in c}
    if live:
        echo(f"carecoord run is supervising (pid {supervisor}); {run_dir(STATE_FILE)}")
    elif state:
        echo("no supervisor is running (`carecoord run` is not up); its last record says:")
    else:
        echo("no supervisor is running and none has left a record; infrastructure only:")
    rows = _infra_rows(recorded) + _child_rows(recorded, live)
    echo(f"  {'component':<19} {'state':<8} {'pid':<8} {'restarts':>8}  {'last exit':<9} health")
    urls = _probe_urls()
    with httpx.Client(timeout=PROBE_TIMEOUT) as client:
        for row in rows:
            echo(_line(row, _probe(client, urls.get(row["name"]))))
    return live and all(row["state"] == "up" for row in rows)
