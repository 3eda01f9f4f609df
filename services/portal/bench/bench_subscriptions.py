"""Partner subscriptions: deliveries per second, and event -> webhook latency under load.

Run by `make bench` (or alone: `.venv/bin/python services/portal/bench/bench_subscriptions.py`
with the local PostgreSQL and Kafka up). It builds the portal's API in this
process and its worker as a process of its own (as deployed), on a fresh database and
topics of their own (real clock), and a webhook receiver on loopback (HTTP/1.1
keep-alive, answers 200 at once), then:

1. throughput: a backlog of notifications recorded for `--subscriptions` subscriptions
   (each with `maxCount` = `--max-count`), delivered by the worker: events delivered per
   second and notification Bundles per second, from the backlog's commit to the last
   event received (signing, agreement and consent checks, delivery log and AuditEvents
   included);
2. latency: `--latency-subscriptions` subscriptions, one patient each, and triage
   events published to Kafka at `--rate` events/s for `--seconds`: p50/p99 from the
   event's time to the webhook's arrival at the receiver.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer

from carecoord_devstack.bench import machine
from carecoord_devstack.kafka import kafka_bootstrap
from carecoord_devstack.testing import (
    create_fresh_database,
    drop_topic,
    nhs_numbers_in_test_range,
    until,
)
from carecoord_shared.db import create_engine
from carecoord_shared.events import new_event, to_record
from carecoord_shared.security.dev_issuer import DevIssuer
from portal.domain.subscriptions import Notification
from portal.main import create_app
from portal.settings import PortalSettings
from portal.store.delivery import Deliveries
from portal.store.subscription_tables import subscription_notification as notes
from portal.store.subscriptions import SubscriptionRows

BACKPORT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition"
TOPIC = "https://fhir.carecoord.example/SubscriptionTopic/ag-request-triaged"
TRIAGED = {"ubrn": "000000000001", "outcome": "accepted", "service": "HealthcareService/s1"}
TRIAGED |= {"requester": "Organization/o1", "reason": None, "mdtDiscussionRequested": False}
SECRET = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk="


class Receiver:
    """Counts the events each notification carries and when they arrived."""

    def __init__(self) -> None:
        self.events = 0
        self.bundles = 0
        self.latencies_ms: list[float] = []
        self.port = 0

    async def start(self) -> asyncio.Server:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        return server

    def _took(self, body: bytes) -> None:
        status = orjson.loads(body)["entry"][0]["resource"]["parameter"]
        arrived = datetime.now(UTC)
        for parameter in status:
            if parameter["name"] != "notification-event":
                continue
            self.events += 1
            stamp = next(p["valueInstant"] for p in parameter["part"] if p["name"] == "timestamp")
            sent = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            self.latencies_ms.append((arrived - sent).total_seconds() * 1000)
        self.bundles += 1

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                body = await reader.readexactly(length)
                if b'"event-notification"' in body:
                    self._took(body)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the sender closed, or the bench is over
        finally:
            writer.close()


def subscription(endpoint: str, max_count: int, patient: str) -> dict[str, Any]:
    channel = {
        "type": "rest-hook",
        "endpoint": endpoint,
        "payload": "application/fhir+json",
        "extension": [
            {"url": f"{BACKPORT}/backport-max-count", "valuePositiveInt": max_count},
            {
                "url": "https://fhir.carecoord.example/StructureDefinition/webhook-secret",
                "valueString": SECRET,
            },
        ],
    }
    return {
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "Bench",
        "criteria": TOPIC,
        "_criteria": {
            "extension": [
                {"url": f"{BACKPORT}/backport-filter-criteria", "valueString": f"patient={patient}"}
            ]
        },
        "channel": channel,
    }


async def subscribe(
    client: httpx.AsyncClient, token: str, bodies: list[dict[str, Any]]
) -> list[str]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"}
    ids = []
    for body in bodies:
        created = await client.post("/fhir/Subscription", json=body, headers=headers)
        assert created.status_code == 201, created.text
        ids.append(str(created.json()["id"]))
    for subscription_id in ids:
        for _ in range(600):
            read = await client.get(f"/fhir/Subscription/{subscription_id}", headers=headers)
            if read.json()["status"] == "active":
                break
            await asyncio.sleep(0.1)
        else:
            raise SystemExit(f"Subscription {subscription_id} never became active")
    return ids


def backlog(ids: list[str], per_subscription: int, patients: list[str]) -> Iterator[Notification]:
    now = datetime.now(UTC)
    for subscription_id in ids:
        for number in range(1, per_subscription + 1):
            yield Notification(
                subscription_id=subscription_id,
                event_number=number,
                event_id=str(uuid.uuid4()),
                event_type="carecoord.referral.triaged.v1",
                patient_nhs=patients[number % len(patients)],
                focus=f"http://127.0.0.1:8001/fhir/ServiceRequest/{uuid.uuid4()}",
                occurred_at=now,
                recorded_at=now,
                state="pending",
                attempts=0,
                delivered_at=None,
            )


async def throughput(
    settings: PortalSettings, ids: list[str], events: int, receiver: Receiver
) -> None:
    per_subscription = events // len(ids)
    patients = nhs_numbers_in_test_range(100, first=900_000)
    engine = create_engine(settings.db_url, pool_size=1)
    async with engine.begin() as conn:
        for note in backlog(ids, per_subscription, patients):
            await Deliveries(conn).record(note)
        for subscription_id in ids:
            await SubscriptionRows(conn).set(subscription_id, events_since_start=per_subscription)
    await engine.dispose()
    began, total = time.perf_counter(), per_subscription * len(ids)
    await until(lambda: receiver.events >= total, 600)
    elapsed = time.perf_counter() - began
    print(
        f"  {total} events to {len(ids)} subscriptions in {elapsed:.2f} s: "
        f"{total / elapsed:.0f} events delivered/s in {receiver.bundles / elapsed:.0f} Bundles/s"
    )


async def latency(
    settings: PortalSettings, patients: list[str], rate: float, seconds: float, receiver: Receiver
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, linger_ms=1)
    await producer.start()
    total = int(rate * seconds)
    began = time.perf_counter()
    try:
        for n in range(total):
            nhs = patients[n % len(patients)]
            event = new_event(
                "carecoord.referral.triaged.v1",
                source="urn:carecoord:bench",
                subject=f"ServiceRequest/bench-{n}",
                data={**TRIAGED, "nhsNumber": nhs, "serviceRequest": f"ServiceRequest/bench-{n}"},
                nhs_number=nhs,
            )
            record = to_record(event)
            await producer.send(
                settings.referrals_topic, record.value, key=record.key, headers=list(record.headers)
            )
            await asyncio.sleep(max(0.0, began + (n + 1) / rate - time.perf_counter()))
        await producer.flush()
    finally:
        await producer.stop()
    with contextlib.suppress(TimeoutError):
        await until(lambda: receiver.events >= total, 60)
    found = sorted(receiver.latencies_ms)
    print(
        f"  {total} events at {rate:.0f}/s, {len(patients)} subscriptions, {len(found)} received: "
        f"p50 {statistics.median(found):.0f} ms, p99 {found[int(0.99 * (len(found) - 1))]:.0f} ms, "
        f"max {found[-1]:.0f} ms"
    )


async def where_time_went(settings: PortalSettings, ids: list[str]) -> None:
    """The p99 of each half: event -> recorded (the consumer), recorded -> delivered."""

    def p99(start: Any, end: Any) -> Any:
        return sa.func.percentile_cont(0.99).within_group(sa.extract("epoch", end - start) * 1000)

    query = sa.select(
        p99(notes.c.occurred_at, notes.c.recorded_at),
        p99(notes.c.recorded_at, notes.c.delivered_at),
    ).where(notes.c.subscription_id.in_(ids), notes.c.delivered_at.is_not(None))
    engine = create_engine(settings.db_url, pool_size=1)
    async with engine.connect() as conn:
        recorded, delivered = (await conn.execute(query)).one()
    await engine.dispose()
    print(f"  p99 event -> recorded {recorded:.0f} ms, recorded -> delivered {delivered:.0f} ms")


def settings_for(issuer: DevIssuer, database_url: str) -> PortalSettings:
    run = uuid.uuid4().hex[:8]
    return PortalSettings(
        environment="development",
        database_url=database_url,
        auth_jwks_url=issuer.jwks_url,
        kafka_bootstrap_servers=kafka_bootstrap(),
        public_base_url="http://portal.bench",
        log_level="WARNING",
        topic=f"bench.portal.{run}",
        referrals_topic=f"bench.referrals.{run}",
        care_plans_topic=f"bench.careplans.{run}",
        mdt_topic=f"bench.mdt.{run}",
    )


async def run(arguments: argparse.Namespace) -> None:
    issuer = DevIssuer(Path(tempfile.mkdtemp(prefix="portal-bench-")))
    settings = settings_for(issuer, await create_fresh_database("portal_bench"))
    token = issuer.mint(
        "system", user="bench-partner", scopes="system/Subscription.cruds", agreement="*"
    )
    app = create_app(settings)
    print(f"portal subscriptions, worker process, API and receiver in this one ({machine()})")
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://portal.bench"
        ) as client,
    ):
        worker = start_worker(settings)
        try:
            await phases(arguments, settings, client, token)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(30)
            for topic in (settings.topic, *settings.consumed_topics):
                await drop_topic(settings.kafka_bootstrap_servers, topic)


def start_worker(settings: PortalSettings) -> subprocess.Popen[bytes]:
    """The portal's worker as it runs in production: a process of its own."""
    values = settings.model_dump(include=settings.model_fields_set)
    env = {**os.environ, **{f"PORTAL_{k.upper()}": str(v) for k, v in values.items()}}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        env["PORTAL_WORKER_PORT"] = str(probe.getsockname()[1])
    worker = Path(sys.executable).parent / "carecoord-portal-worker"
    return subprocess.Popen([str(worker)], env=env, stdout=subprocess.DEVNULL)


async def phases(
    arguments: argparse.Namespace, settings: PortalSettings, client: httpx.AsyncClient, token: str
) -> None:
    receiver = Receiver()
    server = await receiver.start()
    url = f"http://127.0.0.1:{receiver.port}/hook"
    try:
        print(f"== throughput, maxCount {arguments.max_count}")
        unused = nhs_numbers_in_test_range(1, first=990_000)[0]
        bodies = [
            subscription(url, arguments.max_count, unused) for _ in range(arguments.subscriptions)
        ]
        await throughput(
            settings, await subscribe(client, token, bodies), arguments.events, receiver
        )
        print("== latency, maxCount 1")
        patients = nhs_numbers_in_test_range(arguments.latency_subscriptions, first=950_000)
        ids = await subscribe(client, token, [subscription(url, 1, p) for p in patients])
        receiver.events, receiver.latencies_ms = 0, []
        await latency(settings, patients, arguments.rate, arguments.seconds, receiver)
        await where_time_went(settings, ids)
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscriptions", type=int, default=20)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--max-count", type=int, default=50)
    parser.add_argument("--latency-subscriptions", type=int, default=50)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
