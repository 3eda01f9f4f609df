"""Delivery end to end: events on real Kafka, the portal worker, a real receiver.

The receiver fails, asks to retry later, hangs past the timeout and recovers; the test
moves the worker's clock instead of waiting out the schedule. What the partner ends up
with is checked as a partner would: de-duplicated by `webhook-id`, in order per
patient, every signature verified, and the same as `$events` replays.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from services.portal.tests.subscriptions.conftest import (
    PRACTICE_A,
    Portal,
    eventually,
    new_nhs_number,
    new_secret,
    subscription,
    triaged,
)
from services.portal.tests.subscriptions.receiver import Answer, Receiver, verify


def flaky(failures: list[Answer]) -> object:
    """Handshakes succeed; event deliveries get `failures` in turn, then 200s."""
    pending = list(failures)

    def answer(_headers: dict[str, str], body: bytes) -> Answer:
        if b'"event-notification"' in body and pending:
            return pending.pop(0)
        return Answer(200)

    return answer


async def created(live: Portal, body: dict[str, object]) -> str:
    response = await live.subscribe(body)
    assert response.status_code == 201, response.text
    assert "whsec_" not in response.text  # the secret is write-only
    return str(response.json()["id"])


async def active(live: Portal, subscription_id: str, **who: Any) -> None:
    async def is_active() -> bool:
        return bool((await live.status(subscription_id, **who))["status"] == "active")

    await eventually(is_active)


async def failing_events(
    live: Portal, receiver: Receiver, request: str
) -> tuple[str, str, list[bool]]:
    """An active subscription whose endpoint fails every event notification while
    `down[0]`, and one event recorded for it about a new patient: (id, NHS number, down)."""
    down = [True]
    receiver.script = lambda _h, body: Answer(
        500 if down[0] and b'"event-notification"' in body else 200
    )
    subscription_id = await created(live, subscription(receiver.url, new_secret()))
    await active(live, subscription_id)
    nhs = new_nhs_number()
    await live.register((nhs, PRACTICE_A))
    await live.publish(live.settings.referrals_topic, triaged(nhs, request))
    return subscription_id, nhs, down


async def test_flaky_receiver_gets_every_event_once_in_order_signed_and_replayable(
    live: Portal, receiver: Receiver
) -> None:
    receiver.script = flaky(  # type: ignore[assignment]
        [Answer(500), Answer(502), Answer(429, (("Retry-After", "1"),)), Answer(200, (), 2.0)]
    )
    secret = new_secret()
    subscription_id = await created(live, subscription(receiver.url, secret))
    await active(live, subscription_id)
    first, second = new_nhs_number(), new_nhs_number()
    settings = live.settings
    await live.register((first, PRACTICE_A), (second, PRACTICE_A))
    events = [triaged(nhs, f"{nhs}-{i}") for i in range(3) for nhs in (first, second)]
    await live.publish(settings.referrals_topic, *events)

    async def all_delivered() -> bool:
        live.clock.advance(hours=25)  # whatever the next attempt waits for, it is due now
        delivered = {r.headers["webhook-id"] for r in receiver.of_kind("event-notification")}
        return len(delivered) == 6

    await eventually(all_delivered, timeout_s=60)
    for request in receiver.received:
        assert verify(secret, request.headers, request.body)
    unique: dict[str, list[int]] = {}
    for request in receiver.of_kind("event-notification"):
        unique.setdefault(request.headers["webhook-id"], request.numbers)
    numbers = sorted(n for ns in unique.values() for n in ns)
    assert numbers == [1, 2, 3, 4, 5, 6]
    per_patient: dict[str, list[int]] = defaultdict(list)
    for request in receiver.of_kind("event-notification"):
        (focus,) = request.focuses
        per_patient[focus.rsplit("/", 1)[1].split("-")[0]].append(request.numbers[0])
    assert all(order == sorted(order) for order in per_patient.values())
    await replay_equals_delivered(live, receiver, subscription_id)


async def replay_equals_delivered(live: Portal, receiver: Receiver, subscription_id: str) -> None:
    replay = await live.get(f"Subscription/{subscription_id}/$events?eventsSinceNumber=1")
    assert replay.status_code == 200, replay.text
    replayed = [
        (int(p["part"][0]["valueString"]), p["part"][2]["valueReference"]["reference"])
        for p in replay.json()["entry"][0]["resource"]["parameter"]
        if p["name"] == "notification-event"
    ]
    delivered = sorted((r.numbers[0], r.focuses[0]) for r in receiver.of_kind("event-notification"))
    assert replayed == sorted(set(delivered))
    log = await live.get(f"Subscription/{subscription_id}/$deliveries")
    outcomes = [
        next(part["valueCode"] for part in p["part"] if part["name"] == "outcome")
        for p in log.json()["parameter"]
        if p["name"] == "attempt"
    ]
    assert {"failed", "retry-after", "timeout", "delivered"} <= set(outcomes)


async def test_topic_catalogue_is_readable_as_basic_resources_once_the_api_has_started(
    api_alone: Portal,
) -> None:
    """Published by the API at start-up: no worker has run here."""
    found = await api_alone.get(
        "Basic?code=http://hl7.org/fhir/fhir-types|SubscriptionTopic&_count=100"
    )
    assert found.status_code == 200, found.text
    topics = [e["resource"] for e in found.json().get("entry", [])]
    urls = {
        x["valueUri"]
        for t in topics
        for x in t["extension"]
        if str(x["url"]).endswith("subscription-topic.url")
    }
    assert "https://fhir.carecoord.example/SubscriptionTopic/mdt-outcome-recorded" in urls
    assert len(urls) >= 15
