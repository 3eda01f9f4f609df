"""End to end across services: a GP's request in referrals reaches care plans through Kafka.

Real PostgreSQL (one database per service), real Kafka, the real referrals API, the
real outbox relay and the real care plans consumer. Each test uses its own topic
names so runs never read each other's events.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaConsumer
from care_plans.settings import CarePlansSettings
from care_plans.store.tables import referral_activity
from care_plans.worker import build_worker as build_care_plans_worker
from referrals.main import create_app
from referrals.settings import ReferralsSettings
from referrals.worker import build_worker as build_referrals_worker
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from carecoord_shared.security.dev_issuer import DevIssuer
from conftest import create_fresh_database

NHS = "9990000018"
FHIR_JSON = {"Content-Type": "application/fhir+json"}


def a_request(ubrn: str) -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "category": [
            {
                "coding": [
                    {
                        "system": "https://carecoord.example/request-category",
                        "code": "advice-and-guidance",
                    }
                ]
            }
        ],
        "priority": "routine",
        "subject": {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS}},
        "identifier": [{"system": "https://fhir.nhs.uk/Id/ubrn", "value": ubrn}],
        "requester": {"reference": "Organization/A81001"},
    }


@pytest.fixture
async def stack(kafka_bootstrap: str, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    run = uuid.uuid4().hex[:8]
    issuer = DevIssuer(tmp_path / "issuer")
    referrals_settings = ReferralsSettings(
        environment="test",
        database_url=await create_fresh_database("referrals"),
        kafka_bootstrap_servers=kafka_bootstrap,
        auth_jwks_url=issuer.jwks_url,
        topic=f"test.referrals.{run}",
    )
    care_plans_settings = CarePlansSettings(
        environment="test",
        database_url=await create_fresh_database("care_plans"),
        kafka_bootstrap_servers=kafka_bootstrap,
        auth_jwks_url=issuer.jwks_url,
        topic=f"test.careplans.{run}",
        referrals_topic=referrals_settings.topic,
    )
    app = create_app(referrals_settings)
    workers = [
        build_referrals_worker(referrals_settings),
        build_care_plans_worker(care_plans_settings),
    ]
    async with app.router.lifespan_context(app):
        tasks = [asyncio.create_task(w.run()) for w in workers]
        await asyncio.wait_for(asyncio.gather(*(w.started.wait() for w in workers)), 60)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://referrals"
        )
        token = issuer.mint("gp", organisation="A81001", user="555000111222")
        client.headers["Authorization"] = f"Bearer {token}"
        try:
            yield {
                "client": client,
                "referrals": referrals_settings,
                "care_plans": care_plans_settings,
            }
        finally:
            await client.aclose()
            for worker in workers:
                worker.stopping.set()
            await asyncio.gather(*tasks)


async def projected(url: str, reference: str, version: int, timeout_s: float = 30.0) -> Any:
    engine = create_async_engine(url)
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            async with engine.connect() as conn:
                row = (
                    await conn.execute(
                        select(referral_activity).where(
                            referral_activity.c.service_request == reference
                        )
                    )
                ).first()
            if row is not None and row.version_id >= version:
                return row
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{reference} v{version} never reached care plans")
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()


async def test_submitted_request_is_applied_by_care_plans_through_kafka(
    stack: dict[str, Any],
) -> None:
    client: httpx.AsyncClient = stack["client"]
    created = await client.post(
        "/fhir/ServiceRequest", content=orjson.dumps(a_request("a.e2e1")), headers=FHIR_JSON
    )
    assert created.status_code == 201
    reference = f"ServiceRequest/{created.json()['id']}"

    row = await projected(stack["care_plans"].db_url, reference, 1)
    assert (row.nhs_number, row.ubrn, row.status, row.priority) == (
        NHS,
        "a.e2e1",
        "active",
        "routine",
    )
    assert row.last_event_type == "carecoord.referral.submitted.v1"

    revised = a_request("a.e2e1") | {"status": "on-hold"}
    updated = await client.put(
        f"/fhir/{reference}",
        content=orjson.dumps(revised),
        headers=FHIR_JSON | {"If-Match": 'W/"1"'},
    )
    assert updated.status_code == 200
    row = await projected(stack["care_plans"].db_url, reference, 2)
    assert (row.status, row.last_event_type) == ("on-hold", "carecoord.referral.revised.v1")


async def test_outside_consumer_sees_cloudevents_keyed_by_nhs_number(
    stack: dict[str, Any], kafka_bootstrap: str
) -> None:
    client: httpx.AsyncClient = stack["client"]
    created = await client.post(
        "/fhir/ServiceRequest", content=orjson.dumps(a_request("a.e2e2")), headers=FHIR_JSON
    )
    assert created.status_code == 201
    consumer = AIOKafkaConsumer(
        stack["referrals"].topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=f"outside-partner-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), timeout=30)
    finally:
        await consumer.stop()
    headers = {k: v.decode() for k, v in record.headers}
    assert record.key == NHS.encode()
    assert headers["ce_type"] == "carecoord.referral.submitted.v1"
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_subject"] == f"ServiceRequest/{created.json()['id']}"
    assert headers["traceparent"].startswith("00-")
    assert orjson.loads(record.value)["ubrn"] == "a.e2e2"
