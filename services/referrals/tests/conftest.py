"""Fixtures for driving the referrals service over HTTP, as a GP system would.

Each test module gets one referrals app on its own fresh, migrated database (on the
real local PostgreSQL), real bearer tokens from a development issuer, and an
`httpx.AsyncClient` speaking to the app through its ASGI interface inside the app's
lifespan. `public_base_url` is the client's base URL, so `next` links and `Location`
headers can be followed as they are returned. Tests that need other settings (a small
body limit, say) start a second app on the same database with `running_referrals`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from carecoord_devstack.harness import ServiceApp, app_under_test
from carecoord_devstack.testing import (
    SetClock,
    create_fresh_database,
    new_nhs_number,
    serving,
    settings_under_test,
    warm_up,
)
from carecoord_devstack.testing import outcome_codes as outcome_codes
from carecoord_shared.security import access
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.principal import Role
from carecoord_shared.store.tables import resource
from referrals.main import create_app
from referrals.settings import ReferralsSettings
from services.referrals.tests.bodies import FHIR_JSON, PRACTICE_A, healthcare_service

BASE_URL = "http://referrals.test"
DIRECTORY = "Y0T900"
"""The ICS directory team: its administrators maintain the service directory."""
DIRECTORY_ADMIN_SCOPES = (
    "user/Organization.cruds user/HealthcareService.cruds user/PractitionerRole.cruds"
)
"""What a directory administrator's token carries (the development issuer's admin
default is read-only; the kernel change to give `admin` these is proposed)."""
CONFIGURATION_TYPES = ("Organization", "HealthcareService", "PractitionerRole")


@dataclass(slots=True)
class Referrals(ServiceApp):
    """One running referrals app, a client for it and the tokens to call it with."""

    database_url: str
    default_service: str = ""
    """The borough-wide A&G service of SPECIALTY (provided by PROVIDER) every app starts with."""

    def auth(
        self, role: Role = "gp", organisation: str | None = PRACTICE_A, **extra: Any
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, organisation, **extra)}"}

    def write_headers(
        self,
        extra: Mapping[str, str] | None = None,
        *,
        role: Role = "gp",
        organisation: str | None = PRACTICE_A,
    ) -> dict[str, str]:
        """Headers for a FHIR JSON write by `role` at `organisation`, plus `extra`."""
        return {**self.auth(role, organisation), "Content-Type": FHIR_JSON, **(extra or {})}

    def admin(self) -> dict[str, str]:
        """Headers of a directory administrator's FHIR JSON write."""
        token = self.token("admin", DIRECTORY, scopes=DIRECTORY_ADMIN_SCOPES)
        return {"Authorization": f"Bearer {token}", "Content-Type": FHIR_JSON}

    async def create(
        self,
        body: dict[str, Any],
        *,
        organisation: str = PRACTICE_A,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST `body` as a GP of `organisation` (directory entries as a directory
        administrator); the created resource (asserts 201).

        A patient the body is about is first registered at `organisation`."""
        subject = body.get("subject") or body.get("for") or {}
        nhs_number = (subject.get("identifier") or {}).get("value")
        if nhs_number:
            await self.register(nhs_number, organisation)
        sent = self.write_headers(headers, organisation=organisation)
        if body["resourceType"] in CONFIGURATION_TYPES:
            sent = {**self.admin(), **(headers or {})}
        response = await self.client.post(f"/fhir/{body['resourceType']}", json=body, headers=sent)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def register(self, nhs_number: str, practice: str = PRACTICE_A) -> None:
        """Record `practice` as the patient's registered practice, as the registration
        events from care plans do in production (proved end to end in tests/e2e)."""
        async with self.engine.begin() as conn:
            await access.grant(conn, nhs_number, "organisation", practice, "registered-practice")

    async def registered_patient(self, practice: str = PRACTICE_A) -> str:
        """A new patient's NHS number, registered at `practice`."""
        nhs_number = new_nhs_number()
        await self.register(nhs_number, practice)
        return nhs_number

    async def count(self, resource_type: str | None = None) -> int:
        """Rows in the `resource` table (of one type, when given)."""
        query = select(func.count()).select_from(resource)
        if resource_type is not None:
            query = query.where(resource.c.resource_type == resource_type)
        async with self.engine.connect() as conn:
            return int(await conn.scalar(query) or 0)

    @asynccontextmanager
    async def unchanged(self, resource_type: str | None = None) -> AsyncIterator[None]:
        """Asserts, once the block has run, that no resource (of `resource_type`, when
        given) was stored or removed: what a refused write must leave."""
        before = await self.count(resource_type)
        yield
        assert await self.count(resource_type) == before


def outcome_expressions(response: httpx.Response) -> list[str]:
    return [e for issue in response.json()["issue"] for e in issue.get("expression", [])]


@pytest.fixture(scope="session")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> DevIssuer:
    return DevIssuer(tmp_path_factory.mktemp("dev-issuer"))


SettingsFactory = Callable[..., ReferralsSettings]
"""`factory(database_url, **overrides)`: test settings trusting the session's issuer."""


@pytest.fixture(scope="session")
def referrals_settings_factory(issuer: DevIssuer, kafka_bootstrap: str) -> SettingsFactory:
    def build(database_url: str, **overrides: Any) -> ReferralsSettings:
        return settings_under_test(
            ReferralsSettings,
            database_url=database_url,
            jwks_url=issuer.jwks_url,
            kafka_bootstrap=kafka_bootstrap,
            public_base_url=BASE_URL,
            **overrides,
        )

    return build


Clock = SetClock
"""A clock tests move by hand (the response clock reads it through the app)."""


@asynccontextmanager
async def running_referrals(settings: ReferralsSettings) -> AsyncIterator[httpx.AsyncClient]:
    """Start another referrals app with `settings` and yield a client speaking to it."""
    async with serving(create_app(settings), BASE_URL) as client:
        yield client


@asynccontextmanager
async def started_referrals(
    issuer: DevIssuer,
    settings_factory: SettingsFactory,
    clock: Callable[[], datetime] | None = None,
    **overrides: Any,
) -> AsyncIterator[Referrals]:
    """A referrals app on a fresh database with a default service in its directory."""
    database_url = await create_fresh_database("referrals")
    app = create_app(settings_factory(database_url, **overrides), clock=clock)
    async with app_under_test(app, database_url, BASE_URL) as (client, engine):
        harness = Referrals(client, app, engine, issuer, database_url)
        # See test_parallel_first_requests_after_start_up_are_authenticated.
        await warm_up(client, "/fhir/Organization", harness.auth())
        harness.default_service = (await harness.create(healthcare_service()))["id"]
        yield harness


@pytest.fixture(scope="module")
async def referrals(
    issuer: DevIssuer, referrals_settings_factory: SettingsFactory, infrastructure: None
) -> AsyncIterator[Referrals]:
    """The referrals service on a fresh database, shared by the tests of one module."""
    async with started_referrals(issuer, referrals_settings_factory) as harness:
        yield harness
