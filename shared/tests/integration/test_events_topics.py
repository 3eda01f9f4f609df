"""Topic creation and the broker readiness probe, against the real local broker."""

from __future__ import annotations

import time
import uuid

from aiokafka.admin import AIOKafkaAdminClient

from carecoord_shared.events import dead_letter_topic, ensure_topics, kafka_ready, service_topic


def test_service_topics_follow_the_naming_rule() -> None:
    assert service_topic("referrals") == "carecoord.referrals.v1"
    assert dead_letter_topic("carecoord.referrals.v1") == "carecoord.referrals.v1.dlt"


async def test_topics_and_their_dead_letter_topics_are_created_once(kafka_bootstrap: str) -> None:
    topic = f"test.topics.{uuid.uuid4().hex[:12]}"
    await ensure_topics(kafka_bootstrap, [topic], partitions=3)
    await ensure_topics(kafka_bootstrap, [topic], partitions=3)  # already there: fine
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([topic, dead_letter_topic(topic)])
        await admin.delete_topics([topic, dead_letter_topic(topic)])
    finally:
        await admin.close()
    assert {t["topic"]: len(t["partitions"]) for t in described} == {
        topic: 3,
        dead_letter_topic(topic): 3,
    }


async def test_kafka_is_ready_when_a_broker_answers(kafka_bootstrap: str) -> None:
    assert await kafka_ready(kafka_bootstrap)


async def test_kafka_is_not_ready_when_nothing_listens_and_says_so_quickly() -> None:
    started = time.monotonic()
    assert not await kafka_ready("127.0.0.1:1", timeout_s=1.0)
    assert time.monotonic() - started < 3
