"""The partner's own view, by API with its own system token: test the endpoint now
(`$handshake`), read the delivery log (`$deliveries`), recover since a time T
(`$resume` with `since`). Another partner's id answers 404, as an unknown one."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from prometheus_client import REGISTRY

from carecoord_shared.db import create_engine
from carecoord_shared.security.audit import audit_event
from services.portal.tests.subscriptions import conftest as given
from services.portal.tests.subscriptions.receiver import Answer, Receiver, verify
from services.portal.tests.subscriptions.test_delivery import active, created

PARAMETERS = {"resourceType": "Parameters"}


def named(parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        p["name"]: next(v for k, v in p.items() if k.startswith("value"))
        for p in parameters["parameter"]
    }


async def subscribed_about_a_patient(live: given.Portal, receiver: Receiver) -> tuple[str, str]:
    """An active subscription, and a patient registered at a practice its agreement covers."""
    subscription_id = await created(live, given.subscription(receiver.url, given.new_secret()))
    await active(live, subscription_id)
    nhs = given.new_nhs_number()
    await live.register((nhs, given.PRACTICE_A))
    return subscription_id, nhs


async def test_handshake_on_demand_says_what_the_endpoint_answered_and_is_logged(
    live: given.Portal, receiver: Receiver
) -> None:
    secret = given.new_secret()
    subscription_id = await created(live, given.subscription(receiver.url, secret))
    await active(live, subscription_id)
    tested = await live.post(f"Subscription/{subscription_id}/$handshake", PARAMETERS)
    assert tested.status_code == 200, tested.text
    answer = named(tested.json())
    assert answer["outcome"] == "delivered"
    assert answer["status"] == 200
    sent = [
        r for r in receiver.of_kind("handshake") if r.headers["webhook-id"] == answer["webhook-id"]
    ]
    assert len(sent) == 1
    assert verify(secret, sent[0].headers, sent[0].body)
    receiver.script = lambda _h, _b: Answer(503)
    failing = named(
        (await live.post(f"Subscription/{subscription_id}/$handshake", PARAMETERS)).json()
    )
    assert (failing["outcome"], failing["status"]) == ("failed", 503)
    assert (await live.status(subscription_id))["status"] == "active"  # a test changes nothing
    log = (await live.get(f"Subscription/{subscription_id}/$deliveries")).json()
    kinds = [named({"parameter": p["part"]}) for p in log["parameter"] if p["name"] == "attempt"]
    assert [(k["kind"], k.get("status")) for k in kinds[:2]] == [
        ("test-handshake", 503),
        ("test-handshake", 200),
    ]
    other = await live.post(
        f"Subscription/{subscription_id}/$handshake",
        PARAMETERS,
        name="partner-b",
        agreement="B82002",
    )
    assert other.status_code == 404, other.text


async def test_recover_since_a_time_replays_what_was_delivered_from_then_under_the_same_ids(
    live: given.Portal, receiver: Receiver
) -> None:
    subscription_id, nhs = await subscribed_about_a_patient(live, receiver)

    async def delivered(count: int) -> bool:
        return len(receiver.of_kind("event-notification")) >= count

    await live.publish(live.settings.referrals_topic, given.triaged(nhs, "before"))
    await given.eventually(lambda: delivered(1))
    live.clock.advance(hours=2)
    since = live.clock.now - timedelta(minutes=1)
    await live.publish(live.settings.referrals_topic, given.triaged(nhs, "after"))
    await given.eventually(lambda: delivered(2))
    first_ids = [r.headers["webhook-id"] for r in receiver.of_kind("event-notification")]
    when = since.isoformat().replace("+00:00", "Z")
    log = (await live.get(f"Subscription/{subscription_id}/$deliveries?since={when}")).json()
    assert [p["part"] for p in log["parameter"] if p["name"] == "attempt"] != []
    bad = await live.get(f"Subscription/{subscription_id}/$deliveries?since=yesterday")
    assert bad.status_code == 400, bad.text
    body = {"resourceType": "Parameters", "parameter": [{"name": "since", "valueInstant": when}]}
    resumed = await live.post(f"Subscription/{subscription_id}/$resume", body)
    assert resumed.status_code == 200, resumed.text
    assert named(resumed.json())["requeued"] == 1
    await given.eventually(lambda: delivered(3))
    await asyncio.sleep(1.0)  # anything else would have arrived by now
    again = [r.headers["webhook-id"] for r in receiver.of_kind("event-notification")][2:]
    assert again == [first_ids[1]]  # the one delivered since T, under its own id
    assert receiver.of_kind("event-notification")[2].focuses[0].endswith("/after")


async def test_status_counts_audit_and_metrics_match_what_was_delivered(
    live: given.Portal, receiver: Receiver
) -> None:
    subscription_id, nhs = await subscribed_about_a_patient(live, receiver)
    await live.publish(
        live.settings.referrals_topic, given.triaged(nhs, "s1"), given.triaged(nhs, "s2")
    )
    await given.eventually(
        lambda: asyncio.sleep(0, len(receiver.of_kind("event-notification")) == 2)
    )
    bundle = (await live.get(f"Subscription/{subscription_id}/$status")).json()
    status = named(bundle["entry"][0]["resource"])
    assert status["events-since-subscription-start"] == "2"
    assert status["status"] == "active"
    engine = create_engine(live.settings.db_url, pool_size=1)

    async def audited() -> list[tuple[Any, ...]]:  # once the round has recorded both sends
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.select(audit_event.c.subject, audit_event.c.patient_nhs).where(
                    audit_event.c.entity.like(f"Subscription/{subscription_id}/$notify#%")
                )
            )
        found = [tuple(row) for row in rows]
        return found if len(found) >= 2 else []

    try:
        assert await given.eventually(audited) == [("partner-a", nhs)] * 2  # one per delivery
    finally:
        await engine.dispose()
    delivered = REGISTRY.get_sample_value(
        "portal_subscription_delivered_total", {"subscription": subscription_id}
    )
    assert delivered == 2
    assert REGISTRY.get_sample_value(
        "portal_subscription_lag_events", {"subscription": subscription_id}
    ) in (0, None)


def _without_instance_stamps(body: dict[str, Any]) -> dict[str, Any]:
    """The answer without what only names this one response (the Bundle's id, when it
    was made, the urn:uuid of a status made for it), so two invocations can be compared
    for what they say."""
    entries = [
        {k: v for k, v in entry.items() if not str(v).startswith("urn:uuid:")}
        for entry in body.get("entry", [])
    ]
    kept = {k: v for k, v in body.items() if k not in ("id", "meta", "timestamp", "entry")}
    return {**kept, "entry": entries} if "entry" in body else kept


async def test_the_read_only_operations_answer_get_and_post_alike(
    live: given.Portal, receiver: Receiver
) -> None:
    subscription_id, nhs = await subscribed_about_a_patient(live, receiver)
    await live.publish(live.settings.referrals_topic, given.triaged(nhs, "alike"))
    await given.eventually(
        lambda: asyncio.sleep(0, len(receiver.of_kind("event-notification")) == 1)
    )
    calls = {
        "$status": {},
        "$events": {"eventsSinceNumber": "1", "eventsUntilNumber": "1"},
        "$deliveries": {"count": "10"},
    }
    for operation, arguments in calls.items():
        path = f"Subscription/{subscription_id}/{operation}"
        query = "&".join(f"{name}={value}" for name, value in arguments.items())
        body = {
            **PARAMETERS,
            "parameter": [
                {"name": name, ("valuePositiveInt" if name == "count" else "valueString"): (
                    int(value) if name == "count" else value
                )}
                for name, value in arguments.items()
            ],
        }  # fmt: skip
        got = await live.get(f"{path}?{query}" if query else path)
        posted = await live.post(path, body)
        assert (got.status_code, posted.status_code) == (200, 200), (operation, posted.text)
        assert got.json().get("entry") or got.json().get("parameter"), (operation, got.text)
        assert _without_instance_stamps(got.json()) == _without_instance_stamps(posted.json())
