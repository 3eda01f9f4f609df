"""Fixtures for driving the care plans service over HTTP, as a GP system would.

Each test module gets one care plans app on its own fresh, migrated database (the
real local PostgreSQL), real bearer tokens from a development issuer and an
`httpx.AsyncClient` speaking to the app through ASGI inside its lifespan. Helpers
build the register (patients, conditions) and plans the way a GP system would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from care_plans.definition import SERVICE
from care_plans.main import create_app
from care_plans.settings import CarePlansSettings
from carecoord_devstack.testing import (
    create_fresh_database,
    engine_on,
    minted,
    new_nhs_number,
    new_run,
    serving,
    settings_under_test,
    warm_up,
)
from carecoord_devstack.testing import outcome_codes as outcome_codes
from carecoord_shared.events import outbox
from carecoord_shared.security.audit import audit_event
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.principal import Role, system_principal
from carecoord_shared.service import JobCall
from services.care_plans.tests.builders import (
    ASTHMA,
    BASE_URL,
    FHIR_JSON,
    PRACTICE_A,
    condition,
    patient,
)


@dataclass(slots=True)
class CarePlans:
    client: httpx.AsyncClient
    app: FastAPI
    engine: AsyncEngine
    issuer: DevIssuer
    settings: CarePlansSettings

    def auth(
        self, role: Role = "gp", organisation: str | None = PRACTICE_A, **extra: Any
    ) -> dict[str, str]:
        token = minted(self.issuer, role, organisation=organisation, **extra)
        return {"Authorization": f"Bearer {token}", "Content-Type": FHIR_JSON}

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

    async def status_of(self, path: str, headers: dict[str, str]) -> int:
        """The status a GET of `path` answers."""
        return (await self.client.get(path, headers=headers)).status_code

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

    async def housekeep(self) -> dict[str, int]:
        """One tick of every periodic job, as the worker runs them: what each changed."""
        principal = system_principal(f"{SERVICE.name}-worker")
        call = JobCall(self.app.state.fhir, self.app.state.context, principal)
        return {job.name: await job.run(call) for job in SERVICE.jobs}

    async def by_get_and_post(
        self, path: str, parameters: list[tuple[str, str, str]], **who: Any
    ) -> tuple[httpx.Response, httpx.Response]:
        """Invoke a read-only operation both ways: `parameters` are (name, value[x] key,
        value), given as the query string of a GET and as a POSTed Parameters."""
        query = [(name, value) for name, _, value in parameters]
        body = {
            "resourceType": "Parameters",
            "parameter": [{"name": name, key: value} for name, key, value in parameters],
        }
        headers = self.auth(**who)
        by_get = await self.client.get(path, params=query, headers=headers)
        by_post = await self.client.post(path, content=orjson.dumps(body), headers=headers)
        return by_get, by_post

    async def audit(self, entity: str) -> list[tuple[str, str, str, str | None]]:
        """The audit rows naming `entity`, oldest first: (action, outcome, caller, patient)."""
        rows = audit_event.c
        query = select(rows.action, rows.outcome, rows.subject, rows.patient_nhs).where(
            rows.entity == entity
        )
        async with self.engine.connect() as conn:
            found = await conn.execute(query.order_by(rows.recorded))
        return [tuple(row) for row in found]  # type: ignore[misc]

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return await conn.scalar(text(sql), params)


def entries(response: httpx.Response) -> list[dict[str, Any]]:
    """The resources of a searchset answered with 200 (an error body fails here)."""
    assert response.status_code == 200, response.text
    bundle = response.json()
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "searchset"), bundle
    return [entry["resource"] for entry in bundle.get("entry", [])]


@pytest.fixture(scope="session")
def cp_issuer(tmp_path_factory: pytest.TempPathFactory) -> DevIssuer:
    return DevIssuer(tmp_path_factory.mktemp("care-plans-issuer"))


@pytest.fixture(scope="module")
async def care_plans(
    cp_issuer: DevIssuer, kafka_bootstrap: str, infrastructure: None
) -> AsyncIterator[CarePlans]:
    """The care plans service on a fresh database and topics of its own, shared by the
    tests of one module."""
    settings = settings_under_test(
        CarePlansSettings,
        database_url=await create_fresh_database("care_plans"),
        jwks_url=cp_issuer.jwks_url,
        kafka_bootstrap=kafka_bootstrap,
        public_base_url=BASE_URL,
        topics=new_run(),
    )
    app = create_app(settings)
    async with engine_on(settings.db_url) as engine, serving(app, BASE_URL) as client:
        harness = CarePlans(client, app, engine, cp_issuer, settings)
        await warm_up(client, "/fhir/Measure", harness.auth())
        yield harness
