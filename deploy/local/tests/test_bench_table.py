"""`make bench`'s table: the verdict of each row, the printed table, the JSON for tracking,
the figures read from the benchmark scripts' own lines and the profile summary (no timing)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from carecoord_devstack.bench_profile import by_module, summary
from carecoord_devstack.bench_runs import (
    cpu_seconds,
    events_figure,
    memory_row,
    plans_figure,
    worklist_figure,
)
from carecoord_devstack.bench_table import ROWS, Figure, filled, render, to_json, write_json

FACTS: dict[str, object] = {
    "cores": 2,
    "ram_gib": 23.4,
    "cpu": "AMD EPYC",
    "python": "3.13.0",
    "load_average": [7.5, 6.0, 5.2],
}


@pytest.mark.parametrize(
    ("key", "figure", "verdict"),
    [
        ("read", Figure(rate=3200, p50_ms=5, p99_ms=20), "met"),
        ("read", Figure(rate=3000, p99_ms=25), "met"),  # the targets are inclusive
        ("read", Figure(rate=770, p99_ms=20), "missed"),
        ("read", Figure(rate=3200, p99_ms=160), "missed"),
        ("read", Figure(rate=3200), "not measured"),  # no p99 to judge
        ("careplan", Figure(rate=53, p50_ms=180), "missed"),
        ("careplan", Figure(rate=450), "met"),
        ("memory", Figure(rss_mib=1100), "missed"),
        ("memory", Figure(rss_mib=900), "met"),
        ("events", Figure(rate=1000, p99_ms=120, lag_flat=True), "met"),
        ("events", Figure(rate=1000, p99_ms=120, lag_flat=False), "missed"),
        ("events", Figure(rate=1000, p99_ms=120), "not measured"),
        ("catchup", None, "not measured"),
        ("ceiling", Figure(rate=2500, p99_ms=30), "reference"),  # no target of its own
        ("ceiling", None, "not measured"),
    ],
)
def test_a_row_is_met_only_when_every_target_it_has_is(
    key: str, figure: Figure | None, verdict: str
) -> None:
    assert filled(key, figure).verdict() == verdict


def test_the_table_shows_each_row_with_the_machine_and_the_profiles() -> None:
    rows = [filled(row.key, None, "skipped") for row in ROWS]
    rows[0] = filled("read", Figure(770, 40, 160, note="HTTP, concurrency 32"), "", ["50.0%  a"])
    table = render(rows, FACTS)
    lines = table.splitlines()
    assert lines[0].startswith("Machine: 2 cores, 23.4 GiB RAM, AMD EPYC")
    assert "load average 7.5, 6, 5.2" in lines[0]
    assert (
        "| read by id (JWT, relationship, audit) | 770/s, p50 40.0 ms, p99 160.0 ms "
        "(HTTP, concurrency 32) | >= 3,000/s, p99 <= 25 ms | missed |" in lines
    )
    assert "| memory: four APIs + four workers | not measured: skipped | <= 1 GiB RSS |" in table
    assert sum(line.startswith("| ") for line in lines) == len(ROWS) + 2  # header, rule
    assert lines[-2:] == ["Top frames, read by id (JWT, relationship, audit):", "50.0%  a"]


def test_the_json_holds_figures_targets_and_verdicts(tmp_path: Path) -> None:
    rows = [filled("events", Figure(1000, 40, 170, lag_flat=True)), filled("memory", None, "x")]
    path = write_json(tmp_path / "bench", rows, FACTS)
    assert path.name.startswith("bench-")
    assert path.suffix == ".json"
    document = orjson.loads(path.read_bytes())
    assert document["machine"] == FACTS
    events, memory = document["rows"]
    assert events["today"]["p99_ms"] == 170
    assert events["target"] == {"rate": 1000, "p99_ms": 150, "rss_mib": None, "flat_lag": True}
    assert events["verdict"] == "missed"
    assert memory == {
        "key": "memory",
        "what": "memory: four APIs + four workers",
        "today": None,
        "target": {"rate": None, "p99_ms": None, "rss_mib": 1024, "flat_lag": False},
        "verdict": "not measured",
        "problem": "x",
        "top_frames": [],
    }
    when = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)
    assert orjson.loads(to_json(rows, FACTS, when))["when"] == "2026-11-30T19:00:00+00:00"


def test_the_scripts_figures_are_read_from_their_lines() -> None:
    triage = (
        "submit ServiceRequest, concurrency 16: 41 req/s, p50 300.0 ms, p99 700.0 ms, failures 0\n"
        "provider worklist (Task search, 20 of 500 by due date), concurrency 16: "
        "1,108 req/s, p50 12.5 ms, p99 80.2 ms, failures 2\n"
    )
    worklist = worklist_figure(triage)
    assert worklist is not None
    assert (worklist.rate, worklist.p50_ms, worklist.p99_ms) == (1108, 12.5, 80.2)
    assert "2 failures" in worklist.note
    plans = plans_figure(
        "CarePlan update (concurrency 10): 500 requests, 53/s, p50 180.1 ms, p95 300.2 ms"
    )
    assert plans is not None
    assert (plans.rate, plans.p50_ms, plans.p99_ms) == (53, 180.1, None)
    steady = (
        "steady 60s: target    1000/s  committed     990/s  backlog at end     12  "
        "p50    40.1 ms  p90    90.0 ms  p99   464.0 ms  max   900.0 ms  (n=59000; ...)"
    )
    events = events_figure(steady)
    assert events is not None
    assert (events.rate, events.p99_ms, events.lag_flat) == (1000, 464.0, True)
    behind = events_figure(steady.replace("990/s", "700/s").replace("    12", "  4000"))
    assert behind is not None
    assert (behind.rate, behind.lag_flat) == (700, False)
    assert worklist_figure("nothing") is None
    assert events_figure("") is None


def test_a_profile_is_summarised_by_module_and_by_the_projects_own_frames(
    tmp_path: Path,
) -> None:
    trunk = 'process 7:"python api";<module> (api:1);cli (referrals/main.py:24)'
    middleware = (
        "RequestContextMiddleware.__call__ (carecoord_shared/web/middleware.py:233);"
        "run_until_disconnected (carecoord_shared/web/disconnect.py:46)"
    )
    route = (
        f"run (asyncio/runners.py:118);{middleware};create (carecoord_shared/fhir/routes.py:158)"
    )
    collapsed = tmp_path / "create.txt"
    collapsed.write_text(
        f"{trunk};{route};execute (asyncpg/connection.py:377) 60\n"
        f"{trunk};{route};compile (sqlalchemy/sql/compiler.py:10) 30\n"
        f"{trunk};select (selectors.py:468) 10\n"
        'process 7:"python api" 0\n'
    )
    assert by_module(collapsed) == [
        ("asyncpg", 60.0),
        ("sqlalchemy", 30.0),
        ("selectors", 10.0),
        ("(no Python frame)", 0.0),
    ]
    lines = summary(collapsed)
    assert lines[0].startswith("innermost frame by module: asyncpg 60%, sqlalchemy 30%")
    # the entry point and middleware every sample passes through, and library frames,
    # are left out
    assert lines[1:] == [" 90.0%  create (carecoord_shared/fhir/routes.py:158)"]


def test_memory_counts_the_recorded_apis_and_workers_with_their_children(
    record_stack: Callable[[dict[str, Any]], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARECOORD_REPLICAS", "1")
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as worker:
        try:
            components = [
                {"name": "referrals", "pid": os.getpid()},
                {"name": "referrals-worker", "pid": worker.pid},
                {"name": "postgres", "pid": os.getppid()},  # infrastructure is not counted
            ]
            record_stack({"components": components})
            row = memory_row()
        finally:
            worker.kill()
    assert row.figure is not None
    assert row.figure.rss_mib is not None
    assert row.figure.rss_mib > 5  # this test process alone holds more than that
    assert row.figure.note.startswith("1 APIs ")
    assert ", 1 workers " in row.figure.note


def test_cpu_seconds_counts_a_process_and_says_none_for_one_that_is_gone() -> None:
    before = cpu_seconds(os.getpid())
    assert before is not None
    sum(i * i for i in range(3_000_000))  # some CPU of our own
    after = cpu_seconds(os.getpid())
    assert after is not None
    assert after > before
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert cpu_seconds(int(gone.stdout)) is None
    assert cpu_seconds(None) is None
