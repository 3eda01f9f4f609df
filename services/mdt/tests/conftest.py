"""Fixtures for driving the mdt service over HTTP, as an MDT co-ordinator's system would.

Each test module gets one mdt app on its own fresh, migrated database (the real local
PostgreSQL), real bearer tokens from a development issuer, and an `httpx.AsyncClient`
speaking to the app through its ASGI interface inside the app's lifespan. Helpers
build a team, register patients at a practice (as care plans' registration events do
in production) and call the operations with FHIR Parameters.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_devstack.testing import create_fresh_database, new_nhs_number
from carecoord_shared.db import create_engine
from carecoord_shared.events import Event, new_event
from carecoord_shared.security import access
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.principal import Role
from mdt.main import create_app
from mdt.settings import MdtSettings

BASE_URL = "http://mdt.test"
FHIR_JSON = "application/fhir+json"
NHS = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
SDS = "https://fhir.nhs.uk/Id/sds-user-id"
PRACTICE_A = "A81001"
PRACTICE_B = "B82002"
CODES = "https://carecoord.example/fhir/CodeSystem/mdt"
MEMBERSHIP = "https://carecoord.example/fhir/CodeSystem/mdt-membership"
CHAIR, NURSE, OUTSIDER = "sds-chair-1", "sds-nurse-1", "sds-outsider-1"


def an_event(kind: str, nhs: str, /, **data: Any) -> Event:
    """A `carecoord.<kind>.v1` event about the patient `nhs`, as its producer writes it."""
    return new_event(
        f"carecoord.{kind}.v1",
        source="urn:test",
        subject=f"Patient/{nhs}",
        data={"nhsNumber": nhs, **data},
        nhs_number=nhs,
    )


def parameters(*items: tuple[str, str, Any]) -> dict[str, Any]:
    """`("reason", "valueString", "x")`, ... as a FHIR Parameters resource."""
    return {"resourceType": "Parameters", "parameter": [{"name": n, k: v} for n, k, v in items]}


def patient_param(nhs: str) -> tuple[str, str, Any]:
    return ("patient", "valueIdentifier", {"system": NHS, "value": nhs})


def member(user: str, membership: str, *, chair: bool = False, title: str = "GP") -> dict[str, Any]:
    codes = [{"system": MEMBERSHIP, "code": membership}]
    if chair:
        codes.append({"system": MEMBERSHIP, "code": "chair"})
    return {
        "member": {"identifier": {"system": SDS, "value": user}, "display": title},
        "role": [{"coding": codes, "text": title}],
    }


def team_body(
    practices: tuple[str, ...] = (PRACTICE_A,), members: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "resourceType": "CareTeam",
        "status": "active",
        "name": "North locality MDT",
        "category": [{"coding": [{"system": CODES, "code": "mdt-locality"}]}],
        "extension": [
            {
                "url": "https://carecoord.example/fhir/StructureDefinition/mdt-locality",
                "valueString": "north",
            }
        ],
        "managingOrganization": [{"identifier": {"system": ODS, "value": p}} for p in practices],
        "participant": members
        or [
            member(CHAIR, "core", chair=True),
            member(NURSE, "core", title="Community nurse"),
        ],
    }


@dataclass(slots=True)
class Mdt:
    client: httpx.AsyncClient
    app: FastAPI
    engine: AsyncEngine
    issuer: DevIssuer
    settings: MdtSettings
    _tokens: dict[tuple[Any, ...], str] = field(default_factory=dict)

    def auth(
        self, role: Role = "gp", organisation: str | None = PRACTICE_A, user: str | None = CHAIR
    ) -> dict[str, str]:
        key = (role, organisation, user)
        if key not in self._tokens:
            self._tokens[key] = self.issuer.mint(role, organisation=organisation, user=user)
        return {"Authorization": f"Bearer {self._tokens[key]}", "Content-Type": FHIR_JSON}

    async def post(self, path: str, body: dict[str, Any], **who: Any) -> httpx.Response:
        return await self.client.post(f"/fhir/{path}", json=body, headers=self.auth(**who))

    async def get(self, path: str, **who: Any) -> httpx.Response:
        return await self.client.get(f"/fhir/{path}", headers=self.auth(**who))

    async def team(self, **overrides: Any) -> str:
        response = await self.post("CareTeam", team_body(**overrides))
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def meetings(
        self, mdt_id: str, count: int = 2, days_ahead: int = 7, **extra: tuple[str, Any]
    ) -> list[str]:
        start = (datetime.now(UTC) + timedelta(days=days_ahead)).replace(microsecond=0)
        items = [("start", "valueDateTime", start.isoformat()), ("count", "valueInteger", count)]
        items += [(name, kind, value) for name, (kind, value) in extra.items()]
        response = await self.post(f"CareTeam/{mdt_id}/$schedule-meetings", parameters(*items))
        assert response.status_code == 201, response.text
        return [e["resource"]["id"] for e in response.json()["entry"]]

    async def register(self, nhs: str, practice: str = PRACTICE_A) -> None:
        async with self.engine.begin() as conn:
            await access.grant(conn, nhs, "organisation", practice, "registered-practice")
            await conn.execute(
                text(
                    "insert into mdt_patient (patient_nhs, practice) values (:n, :p) "
                    "on conflict (patient_nhs) do update set practice = :p"
                ),
                {"n": nhs, "p": practice},
            )

    async def patient(self, practice: str = PRACTICE_A) -> str:
        nhs = new_nhs_number()
        await self.register(nhs, practice)
        return nhs

    async def nominate(
        self, mdt_id: str, nhs: str, urgency: str = "routine", **extra: tuple[str, Any]
    ) -> httpx.Response:
        items = [
            patient_param(nhs),
            ("reason", "valueString", "Falls and carer strain"),
            ("question", "valueString", "Should we refer to intermediate care?"),
            ("urgency", "valueCode", urgency),
        ]
        items += [(name, kind, value) for name, (kind, value) in extra.items()]
        return await self.post(f"CareTeam/{mdt_id}/$nominate", parameters(*items))

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return await conn.scalar(text(sql), params)

    async def execute(self, sql: str, **params: Any) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(text(sql), params)


def outcome_codes(response: httpx.Response) -> list[str]:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome", body
    return [issue["code"] for issue in body["issue"]]


def business_status(task: dict[str, Any]) -> str:
    return str(task["businessStatus"]["coding"][0]["code"])


@pytest.fixture(scope="session")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> DevIssuer:
    return DevIssuer(tmp_path_factory.mktemp("mdt-dev-issuer"))


def mdt_settings(issuer: DevIssuer, database_url: str, kafka: str, **overrides: Any) -> MdtSettings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "auth_jwks_url": issuer.jwks_url,
        "kafka_bootstrap_servers": kafka,
        "public_base_url": BASE_URL,
        "log_level": "WARNING",
        **overrides,
    }
    return MdtSettings(**values)


@pytest.fixture(scope="module")
async def mdt(issuer: DevIssuer, kafka_bootstrap: str) -> AsyncIterator[Mdt]:
    """The mdt service on a fresh database, shared by the tests of one module."""
    settings = mdt_settings(issuer, await create_fresh_database("mdt"), kafka_bootstrap)
    engine = create_engine(settings.db_url, pool_size=2)
    app = create_app(settings)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client,
        ):
            harness = Mdt(client, app, engine, issuer, settings)
            warm = await client.get("/fhir/CareTeam", headers=harness.auth())
            assert warm.status_code == 200, warm.text
            yield harness
    finally:
        await engine.dispose()
