"""End to end across services: a GP's request in referrals reaches care plans through Kafka.

Real PostgreSQL (one database per service), real Kafka, the real referrals API, the
real outbox relay and the real care plans consumer. Each test uses its own topic
names so runs never read each other's events.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from care_plans.main import create_app as create_care_plans_app
from care_plans.settings import CarePlansSettings
from care_plans.store.tables import referral_activity
from care_plans.worker import build_worker as build_care_plans_worker
from carecoord_devstack.testing import (
    Records,
    create_fresh_database,
    eventually,
    new_run,
    read_records,
    serving,
    settings_under_test,
    working,
)
from carecoord_shared.security.dev_issuer import DevIssuer
from referrals.main import create_app
from referrals.settings import ReferralsSettings
from referrals.worker import build_worker as build_referrals_worker

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
    issuer = DevIssuer(tmp_path / "issuer")
    # Both services trust the one issuer and share this run's topics.
    common = {"jwks_url": issuer.jwks_url, "kafka_bootstrap": kafka_bootstrap, "topics": new_run()}
    referrals_settings = settings_under_test(
        ReferralsSettings, database_url=await create_fresh_database("referrals"), **common
    )
    care_plans_settings = settings_under_test(
        CarePlansSettings, database_url=await create_fresh_database("care_plans"), **common
    )
    app = create_app(referrals_settings)
    register = create_care_plans_app(care_plans_settings)
    gp = {"Authorization": f"Bearer {issuer.mint('gp', organisation='A81001')}"}
    system = {"Authorization": f"Bearer {issuer.mint('system')}"}
    async with (
        serving(app, "http://referrals", headers=gp) as client,
        serving(register, "http://care-plans", headers=system) as care_plans,
        working(
            build_referrals_worker(referrals_settings),
            build_care_plans_worker(care_plans_settings),
        ),
    ):
        await register_patient_at_practice(care_plans, client)
        yield {"client": client, "referrals": referrals_settings, "care_plans": care_plans_settings}


async def register_patient_at_practice(
    care_plans: httpx.AsyncClient, referrals: httpx.AsyncClient, timeout_s: float = 30.0
) -> None:
    """The register (care plans) records the patient at A81001; referrals learns it by event."""
    patient = {
        "resourceType": "Patient",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS}],
        "name": [{"family": "Example", "given": ["Pat"]}],
        "generalPractitioner": [
            {
                "identifier": {
                    "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                    "value": "A81001",
                }
            }
        ],
    }
    created = await care_plans.post(
        "/fhir/Patient", content=orjson.dumps(patient), headers=FHIR_JSON
    )
    assert created.status_code == 201
    probe = orjson.dumps(a_request("a.probe"))

    async def admitted() -> bool:
        made = await referrals.post("/fhir/ServiceRequest", content=probe, headers=FHIR_JSON)
        return made.status_code != 403

    await eventually(admitted, timeout_s)


async def projected(url: str, reference: str, version: int, timeout_s: float = 30.0) -> Any:
    engine = create_async_engine(url)
    query = select(referral_activity).where(referral_activity.c.service_request == reference)

    async def reached() -> Any:
        async with engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return row if row is not None and row.version_id >= version else None

    try:
        return await eventually(reached, timeout_s)
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
    subject = f"ServiceRequest/{created.json()['id']}".encode()

    def ours(records: Records) -> list[Any]:
        return [r for r in records if dict(r.headers).get("ce_subject") == subject]

    seen = await read_records(kafka_bootstrap, stack["referrals"].topic, lambda rs: bool(ours(rs)))
    [record] = ours(seen)
    headers = {k: v.decode() for k, v in record.headers}
    assert record.key == NHS.encode()
    assert headers["ce_type"] == "carecoord.referral.submitted.v1"
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_subject"] == f"ServiceRequest/{created.json()['id']}"
    assert headers["traceparent"].startswith("00-")
    assert orjson.loads(record.value)["ubrn"] == "a.e2e2"
