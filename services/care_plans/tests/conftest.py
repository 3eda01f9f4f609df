"""Fixtures for driving the care plans service over HTTP, as a GP system would.

Each test module gets one care plans app on its own fresh, migrated database (the
real local PostgreSQL), real bearer tokens from a development issuer and an
`httpx.AsyncClient` speaking to the app through ASGI inside its lifespan. Helpers
build the register (patients, conditions) and plans the way a GP system would.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from care_plans.domain.codes import (
    COMPREHENSIVE,
    EXT_CO_DEVELOPMENT,
    EXT_LAST_REVIEWED,
    EXT_LOCALITY,
    PLAN_KIND_SYSTEM,
    SNOMED,
)
from care_plans.main import create_app
from care_plans.settings import CarePlansSettings
from carecoord_devstack.testing import create_fresh_database, new_nhs_number
from carecoord_shared.db import create_engine
from carecoord_shared.events import outbox
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.principal import Role

BASE_URL = "http://care-plans.test"
FHIR_JSON = "application/fhir+json"
NHS = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
PRACTICE_A = "A81001"
PRACTICE_B = "B82002"
TRUST = "RXX01"
DIABETES = "44054006"
ASTHMA = "195967001"


def subject(nhs_number: str) -> dict[str, Any]:
    return {"identifier": {"system": NHS, "value": nhs_number}}


def patient(nhs_number: str, practice: str = PRACTICE_A, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": NHS, "value": nhs_number}],
        "name": [{"family": "Example", "given": ["Pat"]}],
        "generalPractitioner": [{"identifier": {"system": ODS, "value": practice}}],
    }
    if "locality" in extra:
        body["extension"] = [{"url": EXT_LOCALITY, "valueString": extra.pop("locality")}]
    return body | extra


def condition(nhs_number: str, code: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "code": {"coding": [{"system": SNOMED, "code": code}]},
        "subject": subject(nhs_number),
    }


def care_plan(
    nhs_number: str,
    *,
    comprehensive: bool = True,
    reviewed: str | None = None,
    co_developed: bool = True,
    goals: tuple[str, ...] = (),
) -> dict[str, Any]:
    kind = COMPREHENSIVE if comprehensive else "condition-specific"
    body: dict[str, Any] = {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "title": "My care and support plan",
        "category": [{"coding": [{"system": PLAN_KIND_SYSTEM, "code": kind}]}],
        "subject": subject(nhs_number),
        "period": {"start": "2026-01-05"},
        "extension": [],
    }
    if co_developed:
        body["extension"].append(
            {
                "url": EXT_CO_DEVELOPMENT,
                "extension": [
                    {"url": "with", "valueReference": {"display": "the patient"}},
                    {"url": "when", "valueDateTime": "2026-01-05T10:00:00Z"},
                    {"url": "how", "valueString": "face to face"},
                ],
            }
        )
    if reviewed is not None:
        body["extension"].append({"url": EXT_LAST_REVIEWED, "valueDateTime": reviewed})
    if goals:
        body["goal"] = [{"reference": g} for g in goals]
    if not body["extension"]:
        del body["extension"]
    return body


def assignment(
    sds: str,
    *,
    kind: str = "named-care-coordinator",
    cover: bool = False,
    start: str | None = None,
    end: str | None = None,
    reason: str = "new to the LTC register",
) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {
            "name": "practitionerRole",
            "valueReference": {
                "reference": f"PractitionerRole/pr-{sds}",
                "display": f"Nurse {sds}",
            },
        },
        {"name": "sdsUserId", "valueString": sds},
        {"name": "phone", "valueString": "01234 567890"},
        {"name": "kind", "valueCode": kind},
        {"name": "reason", "valueString": reason},
    ]
    if cover:
        params.append({"name": "cover", "valueBoolean": True})
    if start or end:
        period = {k: v for k, v in (("start", start), ("end", end)) if v}
        params.append({"name": "period", "valuePeriod": period})
    return {"resourceType": "Parameters", "parameter": params}


@dataclass(slots=True)
class CarePlans:
    client: httpx.AsyncClient
    app: FastAPI
    engine: AsyncEngine
    issuer: DevIssuer
    settings: CarePlansSettings
    _tokens: dict[tuple[Any, ...], str] = field(default_factory=dict)

    def auth(
        self, role: Role = "gp", organisation: str | None = PRACTICE_A, **extra: Any
    ) -> dict[str, str]:
        key = (role, organisation, *sorted(extra.items()))
        if key not in self._tokens:
            self._tokens[key] = self.issuer.mint(role, organisation=organisation, **extra)
        return {"Authorization": f"Bearer {self._tokens[key]}", "Content-Type": FHIR_JSON}

    async def post(self, body: dict[str, Any], **who: Any) -> dict[str, Any]:
        response = await self.client.post(
            f"/fhir/{body['resourceType']}", content=orjson.dumps(body), headers=self.auth(**who)
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def registered(
        self, practice: str = PRACTICE_A, conditions: tuple[str, ...] = (ASTHMA,), **extra: Any
    ) -> tuple[str, str]:
        """A new patient on the register at `practice` with `conditions`: (id, NHS number)."""
        nhs_number = new_nhs_number()
        created = await self.post(patient(nhs_number, practice, **extra), role="system")
        for code in conditions:
            await self.post(condition(nhs_number, code), role="system")
        return created["id"], nhs_number

    async def assign(self, patient_id: str, body: dict[str, Any], **who: Any) -> httpx.Response:
        return await self.client.post(
            f"/fhir/Patient/{patient_id}/$assign-coordinator",
            content=orjson.dumps(body),
            headers=self.auth(**who),
        )

    async def events(self, event_type: str, subject: str | None = None) -> list[dict[str, Any]]:
        """Data of the outbox events of `event_type` (about `subject`, when given)."""
        query = select(outbox.c.payload, outbox.c.headers).where(outbox.c.type == event_type)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query.order_by(outbox.c.seq))).all()
        found = []
        for payload, headers in rows:
            if subject is None or dict(headers).get("ce_subject") == subject:
                found.append(orjson.loads(payload))
        return found

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return await conn.scalar(text(sql), params)


def outcome_codes(response: httpx.Response) -> list[str]:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome", body
    return [issue["code"] for issue in body["issue"]]


@pytest.fixture(scope="session")
def cp_issuer(tmp_path_factory: pytest.TempPathFactory) -> DevIssuer:
    return DevIssuer(tmp_path_factory.mktemp("care-plans-issuer"))


@pytest.fixture(scope="module")
async def care_plans(
    cp_issuer: DevIssuer, kafka_bootstrap: str, infrastructure: None
) -> AsyncIterator[CarePlans]:
    """The care plans service on a fresh database, shared by the tests of one module."""
    run = uuid.uuid4().hex[:8]
    settings = CarePlansSettings(
        environment="test",
        database_url=await create_fresh_database("care_plans"),
        auth_jwks_url=cp_issuer.jwks_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        public_base_url=BASE_URL,
        log_level="WARNING",
        topic=f"test.careplans.{run}",
        referrals_topic=f"test.referrals.{run}",
        mdt_topic=f"test.mdt.{run}",
    )
    app = create_app(settings)
    engine = create_engine(settings.db_url, pool_size=2)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client,
        ):
            harness = CarePlans(client, app, engine, cp_issuer, settings)
            warm = await client.get("/fhir/Measure", headers=harness.auth())
            assert warm.status_code == 200, warm.text
            yield harness
    finally:
        await engine.dispose()
