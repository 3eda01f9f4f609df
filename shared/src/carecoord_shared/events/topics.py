"""Kafka topics as the kernel sees them: how they are named, created and probed.

Topic names belong to the services that own them (`carecoord.referrals.v1`); the
kernel only knows the naming rule, the dead-letter companion `<topic>.dlt` of every
topic, how to create both idempotently at start-up, and how `/readyz` asks the broker
whether it is there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from carecoord_shared.logging import get_logger

_log = get_logger(__name__)


class TopicCreationFailed(RuntimeError):
    """The broker refused to create a topic (other than because it already exists)."""


def service_topic(service: str, version: int = 1) -> str:
    """The topic a service publishes its events on, e.g. `carecoord.referrals.v1`."""
    return f"carecoord.{service}.v{version}"


def dead_letter_topic(topic: str) -> str:
    """Where a consumer parks the records of `topic` it cannot apply."""
    return f"{topic}.dlt"


async def ensure_topics(
    bootstrap: str,
    topics: Iterable[str],
    partitions: int = 3,
    *,
    replication_factor: int = 1,
    timeout_s: float = 15.0,
) -> None:
    """Create each topic and its `<topic>.dlt`; topics that already exist are left alone.

    `replication_factor` is 1 for the single local broker; production passes 3.
    """
    wanted = sorted({name for topic in topics for name in (topic, dead_letter_topic(topic))})
    if not wanted:
        return
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000)
    )
    try:
        await admin.start()
        response = await admin.create_topics(
            [NewTopic(name, partitions, replication_factor) for name in wanted],
            timeout_ms=int(timeout_s * 1000),
        )
        for name, error_code, *_ in response.topic_errors:
            if error_code not in (0, TopicAlreadyExistsError.errno):
                raise TopicCreationFailed(f"{name}: {for_code(error_code).__name__}")
        _log.info("kafka_topics_ensured", topics=wanted, partitions=partitions)
    finally:
        await admin.close()


async def kafka_ready(bootstrap: str, timeout_s: float = 2.0) -> bool:
    """True if a broker answers a metadata request within `timeout_s` (for /readyz)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=max(1, int(timeout_s * 1000))
    )
    try:
        async with asyncio.timeout(timeout_s):
            await admin.start()
            await admin.describe_cluster()
    except Exception:  # readiness reports any failure as not ready
        return False
    finally:
        await admin.close()
    return True
