"""A small HTTP/1.1 load generator for the benchmarks, light enough to share 2 cores.

Why not httpx: its per-request overhead (~150-250 µs of CPU) would take most of a
core at the rates we measure, on the same two cores as the services, PostgreSQL and
Kafka. Each worker here keeps one keep-alive connection and writes pre-built request
bytes, so nearly all CPU goes to the system under test. Loopback only.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

RequestFactory = Callable[[int], bytes]


@dataclass(slots=True)
class LoadResult:
    latencies_s: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed_s: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies_s) / self.elapsed_s if self.elapsed_s else 0.0

    def percentile_ms(self, p: float) -> float:
        if not self.latencies_s:
            return float("nan")
        ordered = sorted(self.latencies_s)
        return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def summary(self) -> str:
        median = 1000 * statistics.median(self.latencies_s) if self.latencies_s else float("nan")
        return (
            f"{self.rate:,.0f} req/s  p50 {median:.1f} ms  p99 {self.percentile_ms(99):.1f} ms  "
            f"({len(self.latencies_s):,} requests, statuses {dict(sorted(self.statuses.items()))})"
        )


def http_request(method: str, url: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the load generator only targets this machine's loopback")
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def run_load(
    url: str, make_request: RequestFactory, *, concurrency: int, seconds: float
) -> LoadResult:
    """Closed-loop load: `concurrency` connections, each sending as fast as answered."""
    parts = urlsplit(url)
    result = LoadResult()
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**12))

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while time.perf_counter() < deadline:
                payload = make_request(next(counter))
                started = time.perf_counter()
                writer.write(payload)
                status = await _read_response(reader)
                result.latencies_s.append(time.perf_counter() - started)
                result.statuses[status] = result.statuses.get(status, 0) + 1
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed_s = time.perf_counter() - began
    return result
