"""The whole portal on a fresh database, for the front door's API and page tests.

One portal app per test module (the real kernel assembly from the declaration, the
real local PostgreSQL), real bearer tokens from a development issuer, a clock the
tests set, and signed-in patient sessions written to the portal's own session store
(the OIDC dance itself is proved in tests/web).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from carecoord_devstack.testing import (
    SetClock,
    create_fresh_database,
    new_nhs_number,
    new_run,
    run_topic,
    serving,
    settings_under_test,
)
from carecoord_shared.events.envelope import new_event
from carecoord_shared.security import access
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.principal import system_principal
from carecoord_shared.web.app import build_app
from portal.definition import SERVICE
from portal.settings import PortalSettings
from portal.web.identity import ProofingLevel, WebUser
from portal.web.oidc import TokenSet
from portal.web.sessions import PostgresSessionStore
from services.portal.tests.front_door.referrals_directory import (  # noqa: F401 - fixtures
    referrals,
    referrals_db,
    referrals_issuer,
)

BASE_URL = "http://portal.test"
WEDNESDAY_10AM = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
_HIDDEN = re.compile(r'type="hidden" name="([a-z_]+)" value="([^"]+)"')


Clock = SetClock


@dataclass(slots=True)
class Portal:
    app: FastAPI
    client: httpx.AsyncClient
    issuer: DevIssuer
    clock: Clock
    database_url: str

    def auth(self, role: Any = "patient", **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.mint(role, **claims)}"}

    async def scalar(self, sql: str, **params: Any) -> Any:
        engine = self.app.state.engine
        async with engine.connect() as conn:
            return await conn.scalar(text(sql), params)

    async def events(self, nhs: str, event_type: str | None = None) -> list[dict[str, Any]]:
        """The data of the events the portal queued about the patient (of `event_type`
        only, when given), oldest first, with each one's type under `type`."""
        rows = await self.scalar(
            "SELECT coalesce(jsonb_agg(convert_from(payload, 'UTF8')::jsonb "
            "|| jsonb_build_object('type', type) ORDER BY seq), '[]'::jsonb) "
            "FROM outbox WHERE key = :nhs",
            nhs=nhs,
        )
        return [r for r in rows if event_type in (None, r["type"])]

    async def counter(self, name: str, **labels: str) -> float:
        """What /metrics says of counter `name` with these labels, in their declared
        order (0 before it first counts)."""
        said = ",".join(f'{key}="{value}"' for key, value in labels.items())
        line = f"{name}{{{said}}} "
        metrics = (await self.client.get("/metrics")).text.splitlines()
        return next((float(row.removeprefix(line)) for row in metrics if row.startswith(line)), 0.0)

    async def stored(self, kind: str, nhs: str) -> int:
        """How many `kind` resources the portal keeps about the patient (a Task by its
        `for`, whether or not the store indexed its patient: see test_pages)."""
        sql = (
            "SELECT count(*) FROM resource WHERE resource_type = :kind AND coalesce(patient_nhs, "
            "convert_from(content, 'UTF8')::jsonb->'for'->'identifier'->>'value') = :nhs"
        )
        return int(await self.scalar(sql, kind=kind, nhs=nhs))

    async def deliver(self, event_type: str, nhs_number: str, data: dict[str, Any]) -> None:
        """Apply another service's event through the front door's own consumer, as the
        worker does."""
        consumer = next(
            c for c in SERVICE.consumers if c.event_type == event_type and c.group == "front-door"
        )
        event = new_event(
            event_type,
            source="urn:carecoord:care-plans",
            subject=str(
                data.get("carePlan") or data.get("careTeam") or data.get("serviceRequest") or "x"
            ),
            data={**data, "nhsNumber": nhs_number},
            nhs_number=nhs_number,
            time=datetime.now(UTC),
        )
        async with self.app.state.fhir.operation(system_principal("portal")) as tx:
            await consumer.handler(tx, event, self.app.state.context)

    async def sign_in(self, level: ProofingLevel, nhs_number: str | None = None) -> str:
        """A browser cookie jar signed in as a patient at `level`; returns the NHS number."""
        nhs = None if level == "P0" else (nhs_number or new_nhs_number())
        user = WebUser(
            f"patient-{uuid.uuid4().hex[:8]}", "Sam Patient", "patient", None, None, level, nhs
        )
        tokens = TokenSet("access", "id", 3600)
        store = PostgresSessionStore(lambda: self.app.state.engine)
        session = await store.create(user, tokens, datetime.now(UTC), timedelta(hours=1))
        self.client.cookies.set("carecoord_session", session.id)
        return nhs or ""

    async def sign_in_staff(self, role: Any, organisation: str) -> None:
        """A browser cookie jar signed in as staff, with a real access token for the
        pages that read the portal's own records as them."""
        user = WebUser(f"{role}-{uuid.uuid4().hex[:6]}", "Dr Duty", role, organisation, "Practice")
        tokens = TokenSet(self.issuer.mint(role, organisation=organisation), "id", 3600)
        store = PostgresSessionStore(lambda: self.app.state.engine)
        session = await store.create(user, tokens, datetime.now(UTC), timedelta(hours=1))
        self.client.cookies.set("carecoord_session", session.id)

    async def register(self, nhs_number: str, practice: str) -> None:
        """The grant the registration event gives the patient's practice."""
        async with self.app.state.engine.begin() as conn:
            await access.grant(conn, nhs_number, "organisation", practice, "registered-practice")

    async def csrf(self, path: str) -> str:
        return (await self.form_fields(path))["csrf_token"]

    async def form_fields(self, path: str) -> dict[str, str]:
        """The hidden fields of the form on `path` (its CSRF token, its form id)."""
        page = await self.client.get(path)
        found = dict(_HIDDEN.findall(page.text))
        assert "csrf_token" in found, page.text[:500]
        return found

    async def ask(self, **data: Any) -> httpx.Response:
        """Open the request form and send it with `data`, as a browser would."""
        fields = await self.form_fields("/requests/new")
        return await self.client.post("/requests/new", data={**fields, **data})


@pytest.fixture(scope="session")
def front_door_issuer(tmp_path_factory: pytest.TempPathFactory) -> DevIssuer:
    return DevIssuer(tmp_path_factory.mktemp("front-door-issuer"))


@asynccontextmanager
async def running_portal(
    issuer: DevIssuer, kafka_bootstrap: str, now: datetime, **settings: Any
) -> AsyncIterator[Portal]:
    """The portal API on a fresh database, its clock at `now`, with extra `settings`."""
    database_url = await create_fresh_database("portal")
    built = settings_under_test(
        PortalSettings,
        database_url=database_url,
        jwks_url=issuer.jwks_url,
        kafka_bootstrap=kafka_bootstrap,
        public_base_url=BASE_URL,
        topic=run_topic("portal", new_run()),
        **settings,
    )
    clock = Clock(now)
    app = build_app(SERVICE, built, clock=clock)
    async with serving(app, BASE_URL) as client:
        yield Portal(app, client, issuer, clock, database_url)


@pytest.fixture(scope="module")
async def portal(
    front_door_issuer: DevIssuer, kafka_bootstrap: str, infrastructure: None
) -> AsyncIterator[Portal]:
    async with running_portal(front_door_issuer, kafka_bootstrap, WEDNESDAY_10AM) as running:
        yield running


def parameters(**values: Any) -> dict[str, Any]:
    """A Parameters body; lists give repeated parameters."""
    parts: list[dict[str, Any]] = []
    for name, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            key = {int: "valueInteger", bool: "valueBoolean"}.get(type(item), "valueString")
            if name in ("sex", "answer"):
                key = "valueCode"
            if name == "patient":
                key, item = (
                    "valueIdentifier",
                    {
                        "system": "https://fhir.nhs.uk/Id/nhs-number",
                        "value": item,
                    },
                )
            parts.append({"name": name, key: item})
    return {"resourceType": "Parameters", "parameter": parts}


def output(body: dict[str, Any], name: str) -> Any:
    for part in body["parameter"]:
        if part["name"] == name:
            return next(v for k, v in part.items() if k != "name")
    return None


def plan_revised(title: str, **extra: Any) -> dict[str, Any]:
    """A `careplan.revised` event's data (as care_plans publishes it)."""
    return {
        "carePlan": f"CarePlan/{uuid.uuid4().hex[:12]}",
        "versionId": "1",
        "status": "active",
        "title": title,
        "description": extra.pop("description", None),
        "nextReviewDue": "2027-05-01",
        "endOfLife": extra.pop("endOfLife", None),
        "contributor": {"organisation": "A81001", "user": "gp-1"},
        **extra,
    }


def coordinator_assigned(display: str, *, cover: bool = False) -> dict[str, Any]:
    return {
        "patient": "Patient/p1",
        "careTeam": "CareTeam/t1",
        "coordinator": {
            "reference": f"Practitioner/{display.split()[0].lower()}",
            "display": display,
            "sdsUserId": "555000111222",
            "phone": "01632 960555",
        },
        "kind": "named-care-coordinator",
        "cover": cover,
        "period": {"start": "2026-11-01"},
        "previous": None,
    }


# The whole portal on loopback with the OIDC provider, Chromium and axe-core, for the
# browser journeys that ask for them. Imported last: live and browsing build on the
# names above.
from services.portal.tests.front_door.browsing import axe, browser  # noqa: E402
from services.portal.tests.front_door.live import (  # noqa: E402
    front_door_settings,
    front_door_stack,
)

__all__ = ["axe", "browser", "front_door_settings", "front_door_stack"]
