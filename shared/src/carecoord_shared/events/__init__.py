"""The event kernel: envelope, transactional outbox and relay, inbox consumer, schemas.

Services import from here only; the modules behind it are private details.
A producer writes `outbox.add(conn, topic, new_event(...))` in the transaction of its
state change; its worker runs `OutboxRelay`; a consumer runs `InboxConsumer` with one
handler per event type it cares about (or a `batch` handler, given a run's events at once).
"""

from carecoord_shared.events.backoff import Backoff
from carecoord_shared.events.consumer import InboxConsumer
from carecoord_shared.events.consumer_support import ConsumerStats, Handler
from carecoord_shared.events.deadletter import (
    DLT_ATTEMPTS,
    DLT_CONSUMER_GROUP,
    DLT_ERROR_CLASS,
    DLT_ERROR_MESSAGE,
    DLT_ORIGINAL_OFFSET,
    DLT_ORIGINAL_PARTITION,
    DLT_ORIGINAL_TOPIC,
    RejectEvent,
)
from carecoord_shared.events.dispatch import BatchHandler, Handlers, batch
from carecoord_shared.events.envelope import (
    Event,
    InvalidEnvelope,
    KafkaRecord,
    child_traceparent,
    event_context,
    from_record,
    new_event,
    to_record,
    traceparent_var,
)
from carecoord_shared.events.inbox import inbox
from carecoord_shared.events.outbox import add, announce, outbox, purge_published
from carecoord_shared.events.relay import OutboxRelay, idempotent_producer
from carecoord_shared.events.schemas import SchemaCatalogue, SchemaViolation, asyncapi
from carecoord_shared.events.topics import (
    TopicCreationFailed,
    dead_letter_topic,
    ensure_topics,
    kafka_ready,
    service_topic,
)

__all__ = [
    "DLT_ATTEMPTS",
    "DLT_CONSUMER_GROUP",
    "DLT_ERROR_CLASS",
    "DLT_ERROR_MESSAGE",
    "DLT_ORIGINAL_OFFSET",
    "DLT_ORIGINAL_PARTITION",
    "DLT_ORIGINAL_TOPIC",
    "Backoff",
    "BatchHandler",
    "ConsumerStats",
    "Event",
    "Handler",
    "Handlers",
    "InboxConsumer",
    "InvalidEnvelope",
    "KafkaRecord",
    "OutboxRelay",
    "RejectEvent",
    "SchemaCatalogue",
    "SchemaViolation",
    "TopicCreationFailed",
    "add",
    "announce",
    "asyncapi",
    "batch",
    "child_traceparent",
    "dead_letter_topic",
    "ensure_topics",
    "event_context",
    "from_record",
    "idempotent_producer",
    "inbox",
    "kafka_ready",
    "new_event",
    "outbox",
    "purge_published",
    "service_topic",
    "to_record",
    "traceparent_var",
]
