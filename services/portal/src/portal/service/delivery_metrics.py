"""Delivery figures per subscription, for operators (Prometheus, served on /metrics).

Delivered and failed attempts count up; retrying (1 while the subscription is backing
off), lag (events recorded but not yet delivered) and the age of the oldest undelivered
event are set after each round, so an alert can fire on a partner falling behind long
before its retries run out.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Counter, Gauge

__all__ = ["observe_queue", "observe_sent"]

DELIVERED = Counter(
    "portal_subscription_delivered_total", "Notifications delivered (2xx)", ["subscription"]
)
FAILED = Counter(
    "portal_subscription_failed_total", "Delivery attempts that failed", ["subscription"]
)
RETRYING = Gauge(
    "portal_subscription_retrying", "1 while the subscription backs off", ["subscription"]
)
LAG = Gauge(
    "portal_subscription_lag_events", "Events recorded, not yet delivered", ["subscription"]
)
OLDEST = Gauge(
    "portal_subscription_oldest_undelivered_seconds",
    "Age of the oldest undelivered event",
    ["subscription"],
)


def observe_sent(subscription_id: str, delivered: bool) -> None:
    (DELIVERED if delivered else FAILED).labels(subscription_id).inc()


def observe_queue(
    subscription_id: str, pending: int, oldest: datetime | None, failures: int, now: datetime
) -> None:
    LAG.labels(subscription_id).set(pending)
    RETRYING.labels(subscription_id).set(1 if failures else 0)
    age = 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())
    OLDEST.labels(subscription_id).set(age)
