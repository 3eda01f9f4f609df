"""Prometheus metrics of the event kernel, defined once per process.

prometheus-client collectors must be registered exactly once, so the relay and the
consumer share these module-level definitions instead of creating their own; a
service's `/metrics` route exposes them with everything else in the default registry.
Labels carry topics, event types and consumer groups only, never keys or data.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

OUTBOX_PUBLISHED = Counter(
    "carecoord_outbox_published",
    "Events the outbox relay has published to Kafka (acknowledged by all in-sync replicas)",
    ["topic"],
)
OUTBOX_BATCH_SECONDS = Histogram(
    "carecoord_outbox_batch_seconds",
    "Time to select, publish and mark one non-empty outbox batch",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
OUTBOX_LAG_SECONDS = Gauge(
    "carecoord_outbox_lag_seconds",
    "Age of the oldest unpublished outbox event when the relay last looked (0 when empty)",
)
OUTBOX_BACKLOG = Gauge(
    "carecoord_outbox_backlog",
    "Unpublished outbox events when last counted (readiness probe or worker health)",
)
OUTBOX_RELAY_ACTIVE = Gauge(
    "carecoord_outbox_relay_active",
    "1 while this process holds the database's relay lock and publishes",
)
EVENTS_CONSUMED = Counter(
    "carecoord_events_consumed",
    "Records an inbox consumer has finished with, by outcome "
    "(handled, duplicates, unknown_types, dead_lettered)",
    ["group", "outcome"],
)
INBOX_TRANSACTION_SECONDS = Histogram(
    "carecoord_inbox_transaction_seconds",
    "Time of one committed inbox transaction (a run of one partition's events)",
    ["group"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0),
)
CONSUMER_LAG = Gauge(
    "carecoord_consumer_lag",
    "Records of a partition not yet applied by this consumer group (high-water mark minus "
    "the next offset to apply), as last seen by the worker holding the partition",
    ["group", "topic", "partition"],
)
