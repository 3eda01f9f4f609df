"""Partner subscriptions: deliveries per second, and event -> webhook latency under load.

Run by `make bench` (or alone, PostgreSQL and Kafka up). The portal's API runs here, its
worker as a process of its own (as deployed), each on a fresh database and topics, with
a webhook receiver on loopback (keep-alive, 200 at once). 1. throughput: a backlog of
`--events` notifications for `--subscriptions` subscriptions (`maxCount` `--max-count`)
delivered: events/s and Bundles/s, signing, consent checks, log and AuditEvents included.
2. latency: `--latency-subscriptions` subscriptions (one patient each), triage events
published to Kafka at `--rate`/s for `--seconds`: event time -> arrival p50/p99, split
into event -> recorded (the consumer) and recorded -> delivered.
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
from portal.main import create_app
from portal.settings import PortalSettings
from portal.store.subscription_tables import subscription_notification as notes
from portal.store.subscriptions import SubscriptionRows

BACKPORT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition"
TOPIC = "https://fhir.carecoord.example/SubscriptionTopic/ag-request-triaged"
TRIAGED: dict[str, object] = {
    "ubrn": "000000000001",
    "outcome": "accepted",
    "service": "HealthcareService/s1",
}
TRIAGED |= {"requester": "Organization/o1", "reason": None, "mdtDiscussionRequested": False}
KEY = {"valueString": "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk="}
KEY_URL = "https://fhir.carecoord.example/StructureDefinition/webhook-secret"


class Receiver:
    """Counts the events each notification carries and when they arrived."""

    def __init__(self) -> None:
        self.events = self.bundles = self.port = 0
        self.latencies_ms: list[float] = []

    async def start(self) -> asyncio.Server:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        return server

    def _took(self, body: bytes) -> None:
        arrived, self.bundles = datetime.now(UTC), self.bundles + 1
        for parameter in orjson.loads(body)["entry"][0]["resource"]["parameter"]:
            if parameter["name"] == "notification-event":
                self.events += 1
                stamp = next(
                    p["valueInstant"] for p in parameter["part"] if p["name"] == "timestamp"
                )
                sent = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
                self.latencies_ms.append((arrived - sent).total_seconds() * 1000)

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
    most = {"url": f"{BACKPORT}/backport-max-count", "valuePositiveInt": max_count}
    only = {"url": f"{BACKPORT}/backport-filter-criteria", "valueString": f"patient={patient}"}
    channel: dict[str, Any] = {"type": "rest-hook", "endpoint": endpoint}
    channel |= {"payload": "application/fhir+json", "extension": [most, KEY | {"url": KEY_URL}]}
    return {
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "Bench",
        "criteria": TOPIC,
        "_criteria": {"extension": [only]},
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
    for subscription_id in ids:  # each handshaken within a minute
        for _ in range(600):
            read = await client.get(f"/fhir/Subscription/{subscription_id}", headers=headers)
            if read.json()["status"] == "active":
                break
            await asyncio.sleep(0.1)
    return ids


BACKLOG = sa.text(
    "insert into subscription_notification (subscription_id, event_number, event_id, "
    "event_type, patient_nhs, focus, occurred_at, recorded_at, state, attempts) "
    "select :subscription, n, gen_random_uuid()::text, 'carecoord.referral.triaged.v1', "
    "(cast(:patients as text[]))[1 + n % 100], 'http://127.0.0.1:8001/fhir/ServiceRequest/' "
    "|| n, now(), now(), 'pending', 0 from generate_series(1, :count) as n"
)


async def throughput(
    settings: PortalSettings, ids: list[str], events: int, receiver: Receiver
) -> None:
    per_subscription = events // len(ids)
    patients = nhs_numbers_in_test_range(100, first=900_000)
    engine = create_engine(settings.db_url, pool_size=1)
    async with engine.begin() as conn:
        for subscription_id in ids:
            values = {"subscription": subscription_id, "patients": patients}
            await conn.execute(BACKLOG, {**values, "count": per_subscription})
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
    names = ("", "referrals_", "care_plans_", "mdt_")
    values: dict[str, Any] = {f"{n}topic": f"bench.{n or 'portal_'}{run}" for n in names}
    values |= {"environment": "development", "database_url": database_url, "log_level": "WARNING"}
    values |= {"auth_jwks_url": issuer.jwks_url, "kafka_bootstrap_servers": kafka_bootstrap()}
    return PortalSettings(**values, public_base_url="http://portal.bench")


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
        unused, most = nhs_numbers_in_test_range(1, first=990_000)[0], arguments.max_count
        bodies = [subscription(url, most, unused) for _ in range(arguments.subscriptions)]
        ids = await subscribe(client, token, bodies)
        await throughput(settings, ids, arguments.events, receiver)
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
