"""Fixtures for partner subscriptions: the portal's API and worker on real PostgreSQL and
Kafka, a webhook receiver on loopback, and a clock the test moves.

The worker is the kernel's, assembled from the portal's declaration with an injectable
clock, so a retry schedule of three days runs in seconds: the test moves the clock and
the delivery loop (ticking every 0.1 s of real time) finds the next attempt due. Each
test gets its own database and its own topic names.
"""

from __future__ import annotations

import asyncio
import base64
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from carecoord_devstack.testing import (
    create_fresh_database,
    drop_topic,
    eventually,
    new_nhs_number,
)
from carecoord_shared.db import create_engine
from carecoord_shared.events import new_event, to_record
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.worker import Worker, build_worker
from portal.definition import SERVICE
from portal.main import create_app
from portal.settings import PortalSettings
from portal.store.subscription_sharing import SharingRows
from services.portal.tests.subscriptions.receiver import Receiver

BASE_URL = "http://portal.test"
FHIR_JSON = "application/fhir+json"
BACKPORT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition"
SECRET_URL = "https://fhir.carecoord.example/StructureDefinition/webhook-secret"
TOPIC = "https://fhir.carecoord.example/SubscriptionTopic"
NHS = "https://fhir.nhs.uk/Id/nhs-number"
PRACTICE_A = "A81001"
PRACTICE_B = "B82002"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


class FakeClock:
    """The worker's and the API's clock: starts now, moves only when told."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def subscription(
    endpoint: str,
    secret: str | None,
    topic: str = "ag-request-triaged",
    filters: tuple[str, ...] = (),
    payload: str = "id-only",
    heartbeat_s: int | None = None,
    timeout_s: int = 1,
) -> dict[str, Any]:
    channel: dict[str, Any] = {
        "type": "rest-hook",
        "endpoint": endpoint,
        "payload": FHIR_JSON,
        "_payload": {
            "extension": [{"url": f"{BACKPORT}/backport-payload-content", "valueCode": payload}]
        },
        "extension": [{"url": f"{BACKPORT}/backport-timeout", "valueUnsignedInt": timeout_s}],
    }
    if heartbeat_s is not None:
        channel["extension"].append(
            {"url": f"{BACKPORT}/backport-heartbeat-period", "valueUnsignedInt": heartbeat_s}
        )
    if secret is not None:
        channel["extension"].append({"url": SECRET_URL, "valueString": secret})
    body: dict[str, Any] = {
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "Keep our records current",
        "criteria": f"{TOPIC}/{topic}",
        "contact": [{"system": "email", "value": "integration@partner.example"}],
        "channel": channel,
    }
    if filters:
        body["_criteria"] = {
            "extension": [
                {"url": f"{BACKPORT}/backport-filter-criteria", "valueString": f} for f in filters
            ]
        }
    return body


@dataclass(slots=True)
class Portal:
    client: httpx.AsyncClient
    issuer: DevIssuer
    settings: PortalSettings
    clock: FakeClock
    worker: Worker | None = None
    _tokens: dict[tuple[Any, ...], str] = field(default_factory=dict)

    def partner(
        self,
        name: str = "partner-a",
        agreement: str | None = PRACTICE_A,
        scopes: str = "system/Subscription.cruds system/Task.rs system/Basic.rs",
        role: Any = "system",
    ) -> dict[str, str]:
        key = (name, agreement, scopes, role)
        if key not in self._tokens:
            if role == "system":
                token = self.issuer.mint(role, user=name, scopes=scopes, agreement=agreement)
            else:
                token = self.issuer.mint(role, organisation=PRACTICE_A, user=name)
            self._tokens[key] = token
        return {"Authorization": f"Bearer {self._tokens[key]}", "Content-Type": FHIR_JSON}

    async def subscribe(self, body: dict[str, Any], **who: Any) -> httpx.Response:
        return await self.client.post("/fhir/Subscription", json=body, headers=self.partner(**who))

    async def get(self, path: str, **who: Any) -> httpx.Response:
        return await self.client.get(f"/fhir/{path}", headers=self.partner(**who))

    async def post(self, path: str, body: dict[str, Any], **who: Any) -> httpx.Response:
        return await self.client.post(f"/fhir/{path}", json=body, headers=self.partner(**who))

    async def status(self, subscription_id: str, **who: Any) -> dict[str, Any]:
        response = await self.get(f"Subscription/{subscription_id}", **who)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def register(self, *patients: tuple[str, str]) -> None:
        """Care plans' `patient.registered` for each (NHS number, practice), waited for
        until the worker knows them: it reads the care plans and referrals topics side by
        side, so an event on one is not ordered after an event on the other."""
        await self.publish(self.settings.care_plans_topic, *(registered(*p) for p in patients))
        engine = create_engine(self.settings.db_url, pool_size=1)
        wanted = [nhs for nhs, _ in patients]

        async def known() -> bool:
            async with engine.connect() as conn:
                found = await SharingRows(conn).of(wanted)
                return all(practice is not None for practice, _ in found.values())

        try:
            await eventually(known)
        finally:
            await engine.dispose()

    async def publish(self, topic: str, *events: Any, together: bool = False) -> None:
        """Each event in turn, or (`together`) all in one batch, so the worker fetches
        them at once and records them as one run (those of one partition)."""
        producer = AIOKafkaProducer(
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            enable_idempotence=True,
            linger_ms=200 if together else 0,
        )
        await producer.start()
        try:
            sent = []
            for event in events:
                record = to_record(event)
                headers = list(record.headers)
                sent.append(
                    await producer.send(topic, record.value, key=record.key, headers=headers)
                )
                if not together:
                    await sent[-1]
            await asyncio.gather(*sent)
        finally:
            await producer.stop()


def event(kind: str, nhs: str, **data: Any) -> Any:
    return new_event(
        f"carecoord.{kind}.v1",
        source="urn:carecoord:test",
        subject=str(data.get("serviceRequest", f"Patient/{nhs}")),
        data={"nhsNumber": nhs, **data},
        nhs_number=nhs,
    )


def registered(nhs: str, practice: str) -> Any:
    return event("patient.registered", nhs, patient=f"Patient/{nhs[:6]}", practice=practice)


def triaged(nhs: str, request: str, outcome: str = "accepted") -> Any:
    return event(
        "referral.triaged",
        nhs,
        serviceRequest=f"ServiceRequest/{request}",
        ubrn="000000000001",
        outcome=outcome,
        service="HealthcareService/svc-1",
        requester="Organization/o1",
        reason=None,
        mdtDiscussionRequested=False,
    )


@pytest.fixture(scope="session")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> DevIssuer:
    return DevIssuer(tmp_path_factory.mktemp("portal-subscriptions-issuer"))


def portal_settings(
    issuer: DevIssuer, database_url: str, kafka: str, **extra: Any
) -> PortalSettings:
    run = uuid.uuid4().hex[:8]
    values: dict[str, Any] = {
        "environment": "development",
        "database_url": database_url,
        "auth_jwks_url": issuer.jwks_url,
        "kafka_bootstrap_servers": kafka,
        "public_base_url": BASE_URL,
        "log_level": "WARNING",
        "topic": f"test.portal.{run}",
        "referrals_topic": f"test.referrals.{run}",
        "care_plans_topic": f"test.careplans.{run}",
        "mdt_topic": f"test.mdt.{run}",
        "delivery_interval_s": 0.1,
        **extra,
    }
    return PortalSettings(**values)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    await found.start()
    yield found
    await found.stop()


@pytest.fixture
def live_extra() -> dict[str, Any]:
    """Settings a test module adds to `live`'s (a module overrides this fixture)."""
    return {}


@pytest.fixture
async def live(
    issuer: DevIssuer, kafka_bootstrap: str, live_extra: dict[str, Any]
) -> AsyncIterator[Portal]:
    """The portal's API and worker, on a fresh database and topics of their own."""
    database = await create_fresh_database("portal")
    settings = portal_settings(issuer, database, kafka_bootstrap, **live_extra)
    clock = FakeClock()
    app = create_app(settings)
    worker = build_worker(SERVICE, settings, clock=clock)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client,
    ):
        task = asyncio.create_task(worker.run())
        try:
            await asyncio.wait_for(worker.started.wait(), 60)
            yield Portal(client, issuer, settings, clock, worker)
        finally:
            worker.stopping.set()
            await task
            for topic in (settings.topic, *settings.consumed_topics):
                await drop_topic(kafka_bootstrap, topic)


@pytest.fixture
async def api_alone(issuer: DevIssuer, kafka_bootstrap: str) -> AsyncIterator[Portal]:
    """The portal's API in the test; its worker is started (and killed) by the test."""
    settings = portal_settings(
        issuer, await create_fresh_database("portal"), kafka_bootstrap, delivery_lease_s=3.0
    )
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client,
    ):
        try:
            yield Portal(client, issuer, settings, FakeClock())
        finally:
            for topic in (settings.topic, *settings.consumed_topics):
                await drop_topic(kafka_bootstrap, topic)


__all__ = ["new_nhs_number"]
