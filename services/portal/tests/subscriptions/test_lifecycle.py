"""A subscription's life: handshake, heartbeat, 410 Gone, an exhausted schedule, $resume.

Each with the real worker, real Kafka and a real receiver; the clock is moved, never
waited on.
"""

from __future__ import annotations

import asyncio

import orjson
from aiokafka import AIOKafkaConsumer

from services.portal.tests.subscriptions import conftest as given
from services.portal.tests.subscriptions.receiver import Answer, Receiver, verify
from services.portal.tests.subscriptions.test_delivery import active, created, failing_events


async def status_becomes(
    live: given.Portal, subscription_id: str, wanted: str
) -> dict[str, object]:
    async def reached() -> dict[str, object] | None:
        body = await live.status(subscription_id)
        return body if body["status"] == wanted else None

    found: dict[str, object] = await given.eventually(reached)
    return found


async def test_refused_handshake_leaves_the_subscription_in_error_with_the_reason(
    live: given.Portal, receiver: Receiver
) -> None:
    receiver.script = lambda _h, _b: Answer(403)
    subscription_id = await created(live, given.subscription(receiver.url, given.new_secret()))
    body = await status_becomes(live, subscription_id, "error")
    assert "handshake" in str(body["error"])
    assert "403" in str(body["error"])
    assert receiver.received[0].kind == "handshake"
    status = await live.get(f"Subscription/{subscription_id}/$status")
    params = status.json()["entry"][0]["resource"]["parameter"]
    assert {"name": "status", "valueCode": "error"} in params
    # Named at the portal's public FHIR base, as partners reach it.
    url = f"{given.BASE_URL}/fhir/Subscription/{subscription_id}"
    assert {"name": "subscription", "valueReference": {"reference": url}} in params


async def test_heartbeat_arrives_when_its_period_has_passed(
    live: given.Portal, receiver: Receiver
) -> None:
    secret = given.new_secret()
    subscription_id = await created(live, given.subscription(receiver.url, secret, heartbeat_s=60))
    await active(live, subscription_id)
    await asyncio.sleep(0.5)
    assert receiver.of_kind("heartbeat") == []  # not before its time
    live.clock.advance(seconds=61)
    await given.eventually(lambda: asyncio.sleep(0, receiver.of_kind("heartbeat")))
    (beat,) = receiver.of_kind("heartbeat")[:1]
    assert verify(secret, beat.headers, beat.body)
    assert beat.json["type"] == "history"


async def test_gone_turns_the_subscription_off_and_resume_replays_the_backlog(
    live: given.Portal, receiver: Receiver
) -> None:
    gone = [True]

    def script(_h: dict[str, str], body: bytes) -> Answer:
        if b'"event-notification"' in body and gone[0]:
            return Answer(410)
        return Answer(200)

    receiver.script = script
    subscription_id = await created(live, given.subscription(receiver.url, given.new_secret()))
    await active(live, subscription_id)
    nhs = given.new_nhs_number()
    await live.register((nhs, given.PRACTICE_A))
    await live.publish(live.settings.referrals_topic, given.triaged(nhs, "r1"))
    body = await status_becomes(live, subscription_id, "off")
    assert "410" in str(body["error"])
    await live.publish(live.settings.referrals_topic, given.triaged(nhs, "while-off"))
    await asyncio.sleep(1.0)
    gone[0] = False
    resumed = await live.post(
        f"Subscription/{subscription_id}/$resume", {"resourceType": "Parameters"}
    )
    assert resumed.status_code == 200, resumed.text
    await given.eventually(lambda: asyncio.sleep(0, receiver.of_kind("event-notification")))
    await live.publish(live.settings.referrals_topic, given.triaged(nhs, "r2"))

    async def replayed() -> bool:
        return len({r.headers["webhook-id"] for r in receiver.of_kind("event-notification")}) == 2

    await given.eventually(replayed)
    delivered = receiver.of_kind("event-notification")
    assert [r.numbers[0] for r in delivered] == [1, 2]  # nothing counted while off
    assert [r.focuses[0].rsplit("/", 1)[1] for r in delivered] == ["r1", "r2"]


async def errored_events(live: given.Portal) -> list[dict[str, object]]:
    consumer = AIOKafkaConsumer(
        live.settings.topic,
        bootstrap_servers=live.settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        group_id=None,
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=3000)
        return [
            {**orjson.loads(r.value), "type": dict(r.headers)["ce_type"].decode()}
            for records in batch.values()
            for r in records
        ]
    finally:
        await consumer.stop()


async def test_exhausted_schedule_errors_tells_the_admin_and_resume_recovers(
    live: given.Portal, receiver: Receiver
) -> None:
    subscription_id, _nhs, down = await failing_events(live, receiver, "r1")

    async def errored() -> bool:
        live.clock.advance(hours=25)
        return bool((await live.status(subscription_id))["status"] == "error")

    await given.eventually(errored, timeout_s=60)
    assert len(receiver.of_kind("event-notification", status=500)) == 10
    tasks = await live.get(f"Task?focus=Subscription/{subscription_id}")
    assert tasks.status_code == 200, tasks.text
    assert [e["resource"]["status"] for e in tasks.json()["entry"]] == ["requested"]
    types = await given.eventually(lambda: errored_events(live))
    assert any(e["type"] == "carecoord.portal.subscription-errored.v1" for e in types)
    down[0] = False
    await live.post(f"Subscription/{subscription_id}/$resume", {"resourceType": "Parameters"})
    await given.eventually(lambda: asyncio.sleep(0, receiver.of_kind("event-notification")))
    assert (await live.status(subscription_id))["status"] == "active"
