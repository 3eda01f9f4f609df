"""Fixtures for driving the mdt service over HTTP, as an MDT co-ordinator's system would.

Each test module gets one mdt app on its own fresh, migrated database (the real local
PostgreSQL), real bearer tokens from a development issuer, and an `httpx.AsyncClient`
speaking to the app through its ASGI interface inside the app's lifespan. Helpers
build a team, register patients at a practice (as care plans' registration events do
in production) and call the operations with FHIR Parameters.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from carecoord_devstack.harness import ServiceApp, app_under_test
from carecoord_devstack.testing import (
    create_fresh_database,
    new_nhs_number,
    settings_under_test,
    warm_up,
)
from carecoord_devstack.testing import outcome_codes as outcome_codes
from carecoord_shared.events import Event
from carecoord_shared.security import access
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.principal import Role, system_principal
from carecoord_shared.service import Consumer, JobCall
from mdt.jobs import escalate_overdue
from mdt.main import create_app
from mdt.service.context import MdtContext
from mdt.settings import MdtSettings
from services.mdt.tests.builders import (
    BASE_URL,
    CHAIR,
    FHIR_JSON,
    PRACTICE_A,
    action,
    parameters,
    patient_param,
    team_body,
)

WORKER = system_principal("mdt-worker")
"""Who the worker's consumers and jobs act as (the kernel's system principal)."""


@dataclass(slots=True)
class Mdt(ServiceApp):
    settings: MdtSettings

    def auth(
        self,
        role: Role = "gp",
        organisation: str | None = PRACTICE_A,
        user: str | None = CHAIR,
        scopes: str | None = None,
    ) -> dict[str, str]:
        token = self.token(role, organisation, user=user, scopes=scopes)
        return {"Authorization": f"Bearer {token}", "Content-Type": FHIR_JSON}

    async def post(self, path: str, body: dict[str, Any], **who: Any) -> httpx.Response:
        return await self.client.post(f"/fhir/{path}", json=body, headers=self.auth(**who))

    async def invoke(self, path: str, **who: Any) -> httpx.Response:
        """POST with no body at all: how an operation without input is invoked."""
        headers = {k: v for k, v in self.auth(**who).items() if k != "Content-Type"}
        return await self.client.post(f"/fhir/{path}", headers=headers)

    async def assemble(self, meeting: str, **who: Any) -> httpx.Response:
        return await self.invoke(f"Appointment/{meeting}/$assemble-case-list", **who)

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
        assert "/fhir/Appointment/" in response.headers["Location"]
        booked = [e["resource"] for e in response.json()["entry"]]
        return [b["id"] for b in booked if b["resourceType"] == "Appointment"]

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

    async def served_patient(self) -> str:
        """A new MDT, and a new patient registered at a practice it serves."""
        await self.team()
        return await self.patient()

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

    @property
    def context(self) -> MdtContext:
        context: MdtContext = self.app.state.context
        return context

    async def consume(
        self, consumer: Consumer, event: Event, context: MdtContext | None = None
    ) -> None:
        """Apply one event as the worker does: in one unit of work of its principal."""
        async with self.app.state.fhir.operation(WORKER) as tx:
            await consumer.handler(tx, event, context or self.context)

    async def escalate(self) -> int:
        """One run of the worker's escalation job."""
        return await escalate_overdue.JOB.run(JobCall(self.app.state.fhir, self.context, WORKER))

    async def grantees(self, nhs: str, reason: str) -> list[str]:
        """Who holds a running grant for the patient, for `reason`."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "select party from access_grant where patient_nhs = :n and reason = :r"
                    " and valid_from <= now() and (valid_to is null or valid_to > now())"
                    " order by party"
                ),
                {"n": nhs, "r": reason},
            )
            return [row.party for row in rows]


async def listed_case(mdt: Mdt) -> tuple[str, str, list[str]]:
    mdt_id = await mdt.team()
    meetings = await mdt.meetings(mdt_id, count=1)
    case_id = (await mdt.nominate(mdt_id, await mdt.patient())).json()["id"]
    assembled = await mdt.assemble(meetings[0])
    assert assembled.status_code == 200
    return mdt_id, case_id, meetings


async def practice_action(mdt: Mdt) -> str:
    """A discussed case with one action for practice A, due today; the action's id."""
    _, case_id, _ = await listed_case(mdt)
    body = parameters(("status", "valueCode", "discussed"))
    body["parameter"].append(
        action("Review medication", "organisation", date.today(), practice=PRACTICE_A)
    )
    assert (await mdt.post(f"Task/{case_id}/$record-outcome", body)).status_code == 200
    return str(await mdt.scalar("select id from mdt_action where case_id = :c", c=case_id))


async def sources(mdt: Mdt, nhs: str) -> list[dict[str, Any]]:
    found = await mdt.scalar("select sources from mdt_case where patient_nhs = :n and open", n=nhs)
    return list(found or [])


def entries(response: httpx.Response) -> list[dict[str, Any]]:
    """The entries of a search answer, which must be a 200 searchset (possibly empty)."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["resourceType"], body["type"]) == ("Bundle", "searchset"), body
    return list(body.get("entry", []))


def business_status(task: dict[str, Any]) -> str:
    return str(task["businessStatus"]["coding"][0]["code"])


@pytest.fixture(scope="session")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> DevIssuer:
    return DevIssuer(tmp_path_factory.mktemp("mdt-dev-issuer"))


def mdt_settings(issuer: DevIssuer, database_url: str, kafka: str, **overrides: Any) -> MdtSettings:
    return settings_under_test(
        MdtSettings,
        database_url=database_url,
        jwks_url=issuer.jwks_url,
        kafka_bootstrap=kafka,
        public_base_url=BASE_URL,
        **overrides,
    )


@asynccontextmanager
async def running_mdt(issuer: DevIssuer, settings: MdtSettings) -> AsyncIterator[Mdt]:
    """The mdt app on `settings` with its lifespan started, an in-process client and an
    engine on its database, as the harness the tests drive."""
    app = create_app(settings)
    async with app_under_test(app, settings.db_url, BASE_URL) as (client, engine):
        yield Mdt(client, app, engine, issuer, settings)


@pytest.fixture(scope="module")
async def mdt(issuer: DevIssuer, kafka_bootstrap: str) -> AsyncIterator[Mdt]:
    """The mdt service on a fresh database, shared by the tests of one module."""
    settings = mdt_settings(issuer, await create_fresh_database("mdt"), kafka_bootstrap)
    async with running_mdt(issuer, settings) as harness:
        await warm_up(harness.client, "/fhir/CareTeam", harness.auth())
        yield harness


@pytest.fixture(scope="module")
async def ids(mdt: Mdt) -> dict[str, str]:
    """A team, one meeting and one nominated case (not yet on the list), by name."""
    team = await mdt.team()
    (meeting,) = await mdt.meetings(team, count=1)
    case = (await mdt.nominate(team, await mdt.patient())).json()["id"]
    return {"team": team, "meeting": meeting, "case": case}
