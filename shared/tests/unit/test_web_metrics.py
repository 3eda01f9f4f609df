"""The HTTP metrics label a request by its method only when it is a known one: a client
making up methods cannot grow a new Prometheus series with each."""

from __future__ import annotations

import uuid

from prometheus_client import REGISTRY

from carecoord_shared.web.metrics import RequestMetrics


def _count(method: str, route: str) -> float | None:
    labels = {"method": method, "route": route, "status": "405"}
    return REGISTRY.get_sample_value("http_requests_total", labels)


def test_made_up_methods_are_counted_as_other_and_known_ones_by_name() -> None:
    route = f"/test-{uuid.uuid4().hex}"
    metrics = RequestMetrics()

    for made_up in ("XYZZY", "BREW", "A" * 200):
        metrics.record(made_up, route, 405, 0.001)
    metrics.record("DELETE", route, 405, 0.001)

    assert _count("other", route) == 3
    assert _count("DELETE", route) == 1
    assert _count("XYZZY", route) is None
