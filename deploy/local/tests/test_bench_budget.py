"""Where an HTTP phase's CPU went: the machine's busy time read from /proc/stat, shares
per request, and the rate the cores could give at that cost (no timing)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from carecoord_devstack.bench_budget import (
    CpuSample,
    CpuShare,
    component_cpu_seconds,
    machine_cpu_seconds,
)

TICK = os.sysconf("SC_CLK_TCK")


def test_busy_time_counts_user_nice_system_interrupts_and_steal_not_idle_or_io_wait(
    tmp_path: Path,
) -> None:
    stat = tmp_path / "stat"
    #                user nice system idle iowait irq softirq steal guest guest_nice
    stat.write_text(f"cpu  {TICK * 3} {TICK} {TICK * 2} 999999 88888 {TICK} {TICK} {TICK} 0 0\n"
                    "cpu0 1 2 3 4 5 6 7 8 0 0\n")  # fmt: skip
    assert machine_cpu_seconds(stat) == pytest.approx(9.0)


def test_busy_time_is_none_where_the_counters_cannot_be_read(tmp_path: Path) -> None:
    assert machine_cpu_seconds(tmp_path / "missing") is None
    (tmp_path / "other").write_text("intr 1 2 3\n")
    assert machine_cpu_seconds(tmp_path / "other") is None


def test_this_machines_busy_time_grows_while_it_works() -> None:
    before = machine_cpu_seconds()
    assert before is not None
    sum(i * i for i in range(3_000_000))
    after = machine_cpu_seconds()
    assert after is not None
    assert after > before


def test_shares_are_per_request_and_the_ceiling_is_cores_over_the_machines_cost() -> None:
    before = CpuSample(machine_s=100.0, api_s=10.0, load_generator_s=1.0)
    after = CpuSample(machine_s=104.0, api_s=11.5, load_generator_s=1.5)
    share = CpuShare.between(before, after, 1000)
    assert share == CpuShare(machine_ms=pytest.approx(4.0), api_ms=pytest.approx(1.5),
                             load_generator_ms=pytest.approx(0.5))  # fmt: skip
    assert share.ceiling(2) == pytest.approx(500.0)
    assert share.text(2) == (
        "API CPU 1.50 ms/request, load generator 0.50 ms, whole machine 4.00 ms, "
        "2 cores at that cost: at most 500/s"
    )


def test_no_requests_no_share_and_an_unreadable_counter_is_left_out() -> None:
    sample = CpuSample(machine_s=None, api_s=None, load_generator_s=2.0)
    assert CpuShare.between(sample, sample, 0) is None
    share = CpuShare.between(sample, CpuSample(None, None, 2.1), 100)
    assert share is not None
    assert share.ceiling(2) is None
    assert share.text(2) == "load generator 1.00 ms"


def test_components_are_shared_per_request_heaviest_first_and_only_if_seen_at_both_ends() -> None:
    before = CpuSample(10.0, 1.0, 0.0, {"kafka": 5.0, "referrals": 1.0, "portal-worker": 2.0,
                                         "gone-after": 1.0})  # fmt: skip
    after = CpuSample(14.0, 2.0, 0.1, {"kafka": 5.5, "referrals": 2.0, "portal-worker": 2.8,
                                       "new-later": 9.0})  # fmt: skip
    share = CpuShare.between(before, after, 100)
    assert share is not None
    assert list(share.components_ms) == ["referrals", "portal-worker", "kafka"]
    assert share.components_ms["portal-worker"] == pytest.approx(8.0)
    assert share.text(2, top=2).endswith(
        "by component (ms/request): referrals 10.00, portal-worker 8.00"
    )


def test_the_recorded_components_cpu_is_read_with_their_children(
    record_stack: Callable[[dict[str, Any]], None],
) -> None:
    components = [
        {"name": "referrals", "pid": os.getpid()},
        {"name": "kafka", "pid": None},  # not running: left out
        {"name": "gone", "pid": 2**22 + 7},  # no such process: left out
    ]
    record_stack({"components": components})
    found = component_cpu_seconds()
    assert list(found) == ["referrals"]
    assert found["referrals"] >= time.process_time() - 0.05
