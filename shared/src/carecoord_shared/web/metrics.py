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

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Methods labelled by name; any other a client sends is counted as `other`, so made-up
methods cannot grow a new series (and cache entry) each."""

_Children = tuple[Callable[[], None], Callable[[float], None]]
"""A label set's counter increment and latency observation."""


class RequestMetrics:
    """The request counter and latency histogram, each label set's children looked up
    once (a `labels()` call takes a lock and builds the key on every request)."""

    def __init__(self) -> None:
        self._children: dict[tuple[str, str, int], _Children] = {}

    def record(self, method: str, template: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "other"
        children = self._children.get((method, template, status))
        if children is None:
            children = (
                REQUESTS.labels(method, template, str(status)).inc,
                LATENCY.labels(method, template).observe,
            )
            self._children[(method, template, status)] = children
        count, observe = children
        count()
        observe(seconds)
