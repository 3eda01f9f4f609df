"""Dead-letter topics: where a consumer parks a record it can never apply, and why.

A record that is not a CloudEvent, whose data breaks its schema, or whose handler
keeps failing must not block its partition, and must not be dropped either. It is
copied unchanged (key, value, original headers) to `<topic>.dlt` with headers saying
where it came from (topic, partition, offset, consumer group) and why (error class
and a short message). The message is written here from what the kernel knows to be
safe, never copied from a foreign exception, so a DLT never leaks patient data into
tooling that was not meant to hold it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from carecoord_shared.events.backoff import Backoff, sleep_unless
from carecoord_shared.events.envelope import Header, InvalidEnvelope
from carecoord_shared.events.metrics import EVENTS_CONSUMED
from carecoord_shared.events.schemas import SchemaViolation
from carecoord_shared.events.topics import dead_letter_topic
from carecoord_shared.logging import get_logger

DLT_ORIGINAL_TOPIC = "dlt-original-topic"
DLT_ORIGINAL_PARTITION = "dlt-original-partition"
DLT_ORIGINAL_OFFSET = "dlt-original-offset"
DLT_CONSUMER_GROUP = "dlt-consumer-group"
DLT_ERROR_CLASS = "dlt-error-class"
DLT_ERROR_MESSAGE = "dlt-error-message"
DLT_ATTEMPTS = "dlt-attempts"

_log = get_logger(__name__)


class RejectEvent(Exception):
    """Raise from a handler when retrying cannot help; the record goes to the DLT at once.

    `reason` is a short code for the dead-letter headers, never patient data.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def error_class(exc: BaseException) -> str:
    return f"{type(exc).__module__}.{type(exc).__qualname__}"


def safe_message(exc: BaseException, attempts: int) -> str:
    # Our own envelope and schema errors name headers, keywords and paths only;
    # any other exception's text may carry data, so it is never copied.
    if isinstance(exc, InvalidEnvelope | SchemaViolation):
        return str(exc)[:200]
    if isinstance(exc, RejectEvent):
        return f"rejected by handler: {exc.reason[:100]}"
    return f"handler failed {attempts} times"


def dead_letter_headers(record: Any, group: str, exc: BaseException, attempts: int) -> list[Header]:
    """The record's own headers plus where it came from and why it was parked."""
    return [
        *(record.headers or ()),
        (DLT_ORIGINAL_TOPIC, record.topic.encode()),
        (DLT_ORIGINAL_PARTITION, str(record.partition).encode()),
        (DLT_ORIGINAL_OFFSET, str(record.offset).encode()),
        (DLT_CONSUMER_GROUP, group.encode()),
        (DLT_ERROR_CLASS, error_class(exc).encode()),
        (DLT_ERROR_MESSAGE, safe_message(exc, attempts).encode()),
        (DLT_ATTEMPTS, str(attempts).encode()),
    ]


async def park(
    producer: AIOKafkaProducer,
    record: Any,
    headers: list[Header],
    stopping: asyncio.Event,
    backoff: Backoff,
) -> bool:
    """Copy `record` to its DLT, retrying until acknowledged; False if stopped first.

    The caller must not move the record's offset past it until this returns True.
    """
    failures = 0
    while True:
        try:
            await producer.send_and_wait(
                dead_letter_topic(record.topic), record.value, key=record.key, headers=headers
            )
            return True
        except KafkaError as exc:
            failures += 1
            _log.warning("dead_letter_failed", topic=record.topic, error=type(exc).__name__)
            if await sleep_unless(stopping, backoff.delay(failures)):
                return False


def log_parked(group: str, record: Any, exc: BaseException) -> None:
    """Count a parked record, and log where it came from and why, by class (never the
    exception text)."""
    EVENTS_CONSUMED.labels(group, "dead_lettered").inc()
    _log.warning(
        "event_dead_lettered",
        group=group,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        error=error_class(exc),
    )
