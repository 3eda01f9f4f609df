"""What one load phase of the staff bench cost, per page (see ../bench_staff.py).

Wall-clock times on a machine shared with other work are noisy; these are not: the
calls the portal made to each service (their own request counters, from `/metrics`),
the time those services spent answering them (their latency sums), and the CPU each
server process and the PostgreSQL backends of the bench's databases used (from /proc),
each divided by the pages served. In a folder of its own, so `make bench
--other-scripts` does not run it as a script.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

__all__ = ["Meter", "ServerTiming", "Snapshot"]

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (0 where /proc cannot say)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _postgres_cpu_s(databases: list[str]) -> float:
    """CPU seconds of the PostgreSQL backends connected to `databases` (their process
    titles name the database)."""
    total = 0.0
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres:") and any(f" {d} " in title for d in databases):
            total += _cpu_s(int(entry.name))
    return total


@dataclass(slots=True)
class Snapshot:
    cpu: dict[str, float] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    busy_s: dict[str, float] = field(default_factory=dict)


class Meter:
    """Snapshots of the servers' counters; `report` turns two into figures per page."""

    def __init__(self, urls: dict[str, str], pids: dict[str, int], databases: list[str]):
        self.urls, self.pids = urls, pids
        self.databases = [d.rsplit("/", 1)[-1].split("?")[0] for d in databases]

    async def snapshot(self, services: tuple[str, ...]) -> Snapshot:
        shot = Snapshot({k: _cpu_s(p) for k, p in self.pids.items()})
        shot.cpu["postgres"] = _postgres_cpu_s(self.databases)
        async with httpx.AsyncClient(timeout=10) as client:
            for name in services:
                text = (await client.get(f"{self.urls[name]}/metrics")).text
                busy = 0.0
                for family in text_string_to_metric_families(text):
                    for sample in family.samples:
                        route = sample.labels.get("route", "")
                        if not route.startswith("/fhir"):
                            continue
                        if sample.name == "http_requests_total":
                            shot.calls[f"{name} {sample.labels['method']} {route}"] += int(
                                sample.value
                            )
                        elif sample.name == "http_request_duration_seconds_sum":
                            busy += sample.value
                shot.busy_s[name] = busy
        return shot

    @staticmethod
    def report(before: Snapshot, after: Snapshot, pages: int) -> list[str]:
        n = max(pages, 1)
        calls = after.calls - before.calls
        cpu = {k: (after.cpu[k] - before.cpu.get(k, 0.0)) * 1000 / n for k in after.cpu}
        busy = {k: (after.busy_s[k] - before.busy_s.get(k, 0.0)) * 1000 / n for k in after.busy_s}
        lines = [
            f"  calls to the services per page: {sum(calls.values()) / n:.2f}",
            *(f"    {c / n:5.2f}  {name}" for name, c in sorted(calls.items())),
            "  service time answering them, per page (sum over calls): "
            + ", ".join(f"{k} {v:.1f} ms" for k, v in busy.items()),
            "  CPU per page: " + ", ".join(f"{k} {v:.1f} ms" for k, v in cpu.items()),
        ]
        return lines


class ServerTiming:
    """Sends the portal's own time for each request back as `Server-Timing: app;dur=ms`
    (measured when the response starts: a page is rendered whole before that)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()

        async def timed(message: Any) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - started) * 1000
                timing = (b"server-timing", f"app;dur={took:.2f}".encode())
                message["headers"] = [*message.get("headers", []), timing]
            await send(message)

        await self.app(scope, receive, timed)
