"""Where a benchmark's CPU goes, and the rate the machine's cores could give at that cost.

A rate measured with everything on two cores says little about why it is what it is.
During each HTTP phase the bench reads the CPU the whole machine spent (`/proc/stat`),
the API's share (its processes), the load generator's own (this process) and each
component's the supervisor records (APIs, workers, PostgreSQL, Kafka, with their child
processes), and divides each by the requests answered. Cores divided by the machine's
CPU per request is the most that phase could reach if nothing else ran and the cores
never idled: a target above it cannot be met by tuning the API alone, and the shares
say who would have to give up CPU.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from carecoord_devstack.bench_runs import cpu_seconds
from carecoord_devstack.status import read_state

__all__ = ["CpuSample", "CpuShare", "component_cpu_seconds", "machine_cpu_seconds"]

_TICK = os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds(stat: Path = Path("/proc/stat")) -> float | None:
    """CPU time every core has spent busy so far (user, nice, system, interrupts, steal;
    not idle or I/O wait), or None where `/proc/stat` cannot be read."""
    try:
        first = stat.read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    if first[:1] != ["cpu"]:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, *rest = (int(x) for x in first[1:])
    steal = rest[0] if rest else 0
    return (user + nice + system + irq + softirq + steal) / _TICK


def component_cpu_seconds() -> dict[str, float]:
    """CPU used so far by each component the supervisor records as running, with its
    child processes (an API's uvicorn workers, PostgreSQL's backends)."""
    found: dict[str, float] = {}
    for component in (read_state() or {}).get("components", []):
        pid = component.get("pid")
        used = cpu_seconds(pid) if isinstance(pid, int) else None
        if used is not None:
            found[str(component.get("name"))] = used
    return found


@dataclass(frozen=True, slots=True)
class CpuSample:
    """The counters at one instant: the machine's, the API's, this process's and each
    component's."""

    machine_s: float | None
    api_s: float | None
    load_generator_s: float
    components_s: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def now(cls, api_s: float | None) -> CpuSample:
        return cls(machine_cpu_seconds(), api_s, time.process_time(), component_cpu_seconds())


@dataclass(frozen=True, slots=True)
class CpuShare:
    """CPU per request between two samples (ms; None where a counter was unreadable)."""

    machine_ms: float | None
    api_ms: float | None
    load_generator_ms: float
    components_ms: Mapping[str, float] = field(default_factory=dict)
    """The components that ran through both samples, most CPU per request first."""

    @classmethod
    def between(cls, before: CpuSample, after: CpuSample, requests: int) -> CpuShare | None:
        if requests <= 0:
            return None

        def per_request(a: float | None, b: float | None) -> float | None:
            return None if a is None or b is None else (b - a) * 1000 / requests

        generator = per_request(before.load_generator_s, after.load_generator_s)
        assert generator is not None
        components = {
            name: (after.components_s[name] - used) * 1000 / requests
            for name, used in before.components_s.items()
            if name in after.components_s
        }
        return cls(
            per_request(before.machine_s, after.machine_s),
            per_request(before.api_s, after.api_s),
            generator,
            dict(sorted(components.items(), key=lambda item: -item[1])),
        )

    def ceiling(self, cores: int) -> float | None:
        """Requests a second the cores could answer at this machine CPU per request."""
        if self.machine_ms is None or self.machine_ms <= 0:
            return None
        return cores * 1000 / self.machine_ms

    def text(self, cores: int, top: int = 6) -> str:
        parts = []
        if self.api_ms is not None:
            parts.append(f"API CPU {self.api_ms:.2f} ms/request")
        parts.append(f"load generator {self.load_generator_ms:.2f} ms")
        if self.machine_ms is not None:
            parts.append(f"whole machine {self.machine_ms:.2f} ms")
        ceiling = self.ceiling(cores)
        if ceiling is not None:
            parts.append(f"{cores} cores at that cost: at most {ceiling:,.0f}/s")
        heaviest = [f"{name} {ms:.2f}" for name, ms in list(self.components_ms.items())[:top]]
        if heaviest:
            parts.append("by component (ms/request): " + ", ".join(heaviest))
        return ", ".join(parts)
