"""Prometheus metrics of the HTTP layer: requests counted and timed by route template."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import Counter, Histogram

REQUESTS = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)


class RequestMetrics:
    """The request counter and latency histogram, each label set's child looked up once
    (a `labels()` call takes a lock and builds the key on every request)."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, int], Callable[[], None]] = {}
        self._latencies: dict[tuple[str, str], Callable[[float], None]] = {}

    def record(self, method: str, template: str, status: int, seconds: float) -> None:
        count = self._counts.get((method, template, status))
        if count is None:
            count = REQUESTS.labels(method, template, str(status)).inc
            self._counts[(method, template, status)] = count
        count()
        observe = self._latencies.get((method, template))
        if observe is None:
            observe = LATENCY.labels(method, template).observe
            self._latencies[(method, template)] = observe
        observe(seconds)
