"""Partner subscriptions: deliveries per second, and event -> webhook latency under load.

Run by `make bench` (or alone, PostgreSQL and Kafka up). The portal's API runs here, its
worker as a process of its own (as deployed), each on a fresh database and topics, with
a webhook receiver on loopback (keep-alive, 200 at once). 1. throughput: a backlog of
`--events` notifications for `--subscriptions` subscriptions (`maxCount` `--max-count`)
delivered: events/s and Bundles/s, signing, consent checks, log and AuditEvents included.
2. latency: `--latency-subscriptions` subscriptions (one patient each), triage events
published to Kafka at `--rate`/s for `--seconds`: event time -> arrival p50/p99, per
stage (event -> recorded by the consumer, recorded -> delivered), the worker's CPU.
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

BASE = "http://portal.bench"
BACKPORT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition"
TOPIC = "https://fhir.carecoord.example/SubscriptionTopic/ag-request-triaged"
TRIAGED_TYPE, SOURCE = "carecoord.referral.triaged.v1", "urn:carecoord:bench"
TRIAGED: dict[str, object] = {
    "ubrn": "000000000001",
    "outcome": "accepted",
    "service": "HealthcareService/s1",
}
TRIAGED |= {"requester": "Organization/o1", "reason": None, "mdtDiscussionRequested": False}
KEY = {"valueString": "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk="}
KEY_URL = "https://fhir.carecoord.example/StructureDefinition/webhook-secret"
DEFAULTS: dict[str, float] = {"subscriptions": 20, "events": 20_000, "max-count": 50}
DEFAULTS |= {"latency-subscriptions": 50, "rate": 200.0, "seconds": 15.0}


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
                stamp = {p["name"]: p for p in parameter["part"]}["timestamp"]["valueInstant"]
                sent = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
                self.latencies_ms.append((arrived - sent).total_seconds() * 1000)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).lower()
                length = int(head.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
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
        read = f"/fhir/Subscription/{subscription_id}"
        for _ in range(600):
            if (await client.get(read, headers=headers)).json()["status"] == "active":
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


def cpu_seconds(pid: int) -> list[float]:  # user + system so far, its children's too (Linux)
    kids = " ".join(p.read_text() for p in Path(f"/proc/{pid}/task").glob("*/children")).split()
    stats = [Path(f"/proc/{n}/stat").read_text().rsplit(")")[-1].split() for n in [pid, *kids]]
    return [(int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK") for f in stats]


def p99(values: list[float]) -> float:
    return sorted(values)[int(0.99 * (len(values) - 1))] if values else float("inf")


def percentiles(values: list[float]) -> str:
    return f"p50 {statistics.median(values or [0]):.0f} ms, p99 {p99(values):.0f} ms"


async def latency(settings: PortalSettings, patients: list[str], run: argparse.Namespace) -> None:
    """Triage events published at `--rate`/s, one patient per subscription in turn."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, linger_ms=1)
    await producer.start()
    total, cpu, began = int(run.rate * run.seconds), cpu_seconds(run.worker), time.perf_counter()
    try:
        for n in range(total):
            nhs, request = patients[n % len(patients)], f"ServiceRequest/bench-{n}"
            data = {**TRIAGED, "nhsNumber": nhs, "serviceRequest": request}
            record = to_record(
                new_event(TRIAGED_TYPE, source=SOURCE, subject=request, data=data, nhs_number=nhs)
            )
            topic, headers = settings.referrals_topic, list(record.headers)
            await producer.send(topic, record.value, key=record.key, headers=headers)
            await asyncio.sleep(max(0.0, began + (n + 1) / run.rate - time.perf_counter()))
        await producer.flush()
    finally:
        await producer.stop()
    with contextlib.suppress(TimeoutError):
        await until(lambda: run.receiver.events >= total, 60)
    cpu = [after - before for after, before in zip(cpu_seconds(run.worker), cpu, strict=False)]
    found = run.receiver.latencies_ms
    print(
        f"  {total} events at {run.rate:.0f}/s, {len(patients)} subscriptions, {len(found)} "
        f"received: event commit -> webhook received {percentiles(found)} (target p99 <= "
        f"500 ms: {'met' if p99(found) <= 500 else 'NOT met'}), max {max(found, default=0):.0f} ms"
    )
    each = " + ".join(f"{1000 * c / max(total, 1):.2f}" for c in cpu)
    print(f"  worker CPU {1000 * sum(cpu) / max(total, 1):.2f} ms per event ({each}: by process)")


async def where_time_went(settings: PortalSettings, ids: list[str]) -> None:
    """Each stage's p50 and p99: event -> recorded (the consumer), recorded -> delivered."""
    stages = {"event -> recorded": ("occurred_at", "recorded_at")}
    stages["recorded -> delivered"] = ("recorded_at", "delivered_at")
    query = sa.select(
        *(sa.extract("epoch", notes.c[b] - notes.c[a]) * 1000 for a, b in stages.values())
    ).where(notes.c.subscription_id.in_(ids), notes.c.delivered_at.is_not(None))
    engine = create_engine(settings.db_url, pool_size=1)
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    await engine.dispose()
    for n, stage in enumerate(stages):
        print(f"  {stage}: {percentiles([float(row[n]) for row in rows])}")


def settings_for(issuer: DevIssuer, database_url: str) -> PortalSettings:
    run = uuid.uuid4().hex[:8]
    names = ("", "referrals_", "care_plans_", "mdt_")
    values: dict[str, Any] = {f"{n}topic": f"bench.{n or 'portal_'}{run}" for n in names}
    values |= {"environment": "development", "database_url": database_url, "log_level": "WARNING"}
    values |= {"auth_jwks_url": issuer.jwks_url, "kafka_bootstrap_servers": kafka_bootstrap()}
    return PortalSettings(**values, public_base_url=BASE)


async def run(arguments: argparse.Namespace) -> None:
    issuer = DevIssuer(Path(tempfile.mkdtemp(prefix="portal-bench-")))
    settings = settings_for(issuer, await create_fresh_database("portal_bench"))
    scopes = "system/Subscription.cruds"
    token = issuer.mint("system", user="bench-partner", scopes=scopes, agreement="*")
    app = create_app(settings)
    print(f"portal subscriptions: worker process; API, receiver in this one ({machine()})")
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client,
    ):
        worker = start_worker(settings)
        try:
            arguments.worker = worker.pid
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
    with socket.create_server(("127.0.0.1", 0)) as probe:
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
        print(f"== latency, maxCount 1 (load average {os.getloadavg()[0]:.1f})")
        patients = nhs_numbers_in_test_range(arguments.latency_subscriptions, first=950_000)
        ids = await subscribe(client, token, [subscription(url, 1, p) for p in patients])
        receiver.events, receiver.latencies_ms = 0, []
        await latency(settings, patients, argparse.Namespace(**vars(arguments), receiver=receiver))
        await where_time_went(settings, ids)
        print(f"  load average after {os.getloadavg()[0]:.1f}")
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    for flag, default in DEFAULTS.items():
        parser.add_argument(f"--{flag}", type=type(default), default=default)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
