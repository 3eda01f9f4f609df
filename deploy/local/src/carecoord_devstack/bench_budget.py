"""Where a benchmark's CPU goes, and the rate the machine's cores could give at that cost.

A rate measured with everything on two cores says little about why it is what it is.
During each HTTP phase the bench reads the CPU the whole machine spent (`/proc/stat`),
the API's share (its processes) and the load generator's own (this process), and
divides each by the requests answered. Cores divided by the machine's CPU per request
is the most that phase could reach if nothing else ran and the cores never idled: a
target above it cannot be met by tuning the API alone, and the shares say who would
have to give up CPU.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CpuSample", "CpuShare", "machine_cpu_seconds"]

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


@dataclass(frozen=True, slots=True)
class CpuSample:
    """The counters at one instant: the machine's, the API's and this process's."""

    machine_s: float | None
    api_s: float | None
    load_generator_s: float

    @classmethod
    def now(cls, api_s: float | None) -> CpuSample:
        return cls(machine_cpu_seconds(), api_s, time.process_time())


@dataclass(frozen=True, slots=True)
class CpuShare:
    """CPU per request between two samples (ms; None where a counter was unreadable)."""

    machine_ms: float | None
    api_ms: float | None
    load_generator_ms: float

    @classmethod
    def between(cls, before: CpuSample, after: CpuSample, requests: int) -> CpuShare | None:
        if requests <= 0:
            return None

        def per_request(a: float | None, b: float | None) -> float | None:
            return None if a is None or b is None else (b - a) * 1000 / requests

        generator = per_request(before.load_generator_s, after.load_generator_s)
        assert generator is not None
        return cls(
            per_request(before.machine_s, after.machine_s),
            per_request(before.api_s, after.api_s),
            generator,
        )

    def ceiling(self, cores: int) -> float | None:
        """Requests a second the cores could answer at this machine CPU per request."""
        if self.machine_ms is None or self.machine_ms <= 0:
            return None
        return cores * 1000 / self.machine_ms

    def text(self, cores: int) -> str:
        parts = []
        if self.api_ms is not None:
            parts.append(f"API CPU {self.api_ms:.2f} ms/request")
        parts.append(f"load generator {self.load_generator_ms:.2f} ms")
        if self.machine_ms is not None:
            parts.append(f"whole machine {self.machine_ms:.2f} ms")
        ceiling = self.ceiling(cores)
        if ceiling is not None:
            parts.append(f"{cores} cores at that cost: at most {ceiling:,.0f}/s")
        return ", ".join(parts)
