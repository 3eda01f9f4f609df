"""The whole portal served on loopback with the development OIDC provider, for the
front door's browser journeys.

The real portal app (the kernel's assembly from the declaration, its own fresh
database, Kafka) and the development OIDC provider, each served by uvicorn in a thread
(as tests/staff does), so patients sign in as the provider's demo patients at P0, P5
and P9 and staff as the demo GP. The provider signs access tokens with the key the
portal is told to trust. Before the servers start, the portal's read model is given
the P9 patient's plan and co-ordinator (as care_plans' events would) and an A&G answer
for them (as referrals' would), and the P5 and
P9 patients are registered at the GP's practice (the grant the registration event makes).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from carecoord_devstack.oidc_provider import create_oidc_app, demo_identities, portal_client
from carecoord_devstack.testing import create_fresh_database, new_run, settings_under_test
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.web.app import build_app
from portal.definition import SERVICE
from portal.settings import PortalSettings
from services.portal.tests.front_door.conftest import (
    Clock,
    Portal,
    coordinator_assigned,
    plan_revised,
)
from services.portal.tests.web.conftest import LiveServer, free_port

PEOPLE = {who.key: who for who in demo_identities()}
P0, P5, P9 = PEOPLE["patient-p0"], PEOPLE["patient-p5"], PEOPLE["patient-p9"]
GP, COORDINATOR_LOGIN = PEOPLE["gp"], PEOPLE["care-coordinator"]
PLAN_TITLE = "Keep walking to the shops, with my inhalers to hand"
COORDINATOR = "Ruth Morgan"


@dataclass(frozen=True)
class FrontDoorStack:
    portal_url: str
    provider_url: str
    issuer: DevIssuer

    def token(self, nhs_number: str) -> dict[str, str]:
        """A patient's own bearer token, for reading their records over FHIR."""
        return {"Authorization": f"Bearer {self.issuer.mint('patient', nhs_number=nhs_number)}"}


def _settings(
    database_url: str, issuer: DevIssuer, kafka: str, urls: dict[str, str]
) -> PortalSettings:
    return settings_under_test(
        PortalSettings,
        database_url=database_url,
        jwks_url=issuer.jwks_url,
        kafka_bootstrap=kafka,
        public_base_url=urls["portal"],
        topics=new_run(),
        oidc_issuer=urls["provider"],
        oidc_client_id="front-door-under-test",
        oidc_client_secret="a-test-client-secret-of-some-length",
        csrf_secret=os.urandom(24).hex(),
    )


@pytest.fixture(scope="module")
async def front_door_settings(
    kafka_bootstrap: str, infrastructure: None, tmp_path_factory: pytest.TempPathFactory
) -> tuple[PortalSettings, Path]:
    """A fresh, migrated and seeded portal database, the settings to serve it with, and
    the provider's key folder."""
    folder = tmp_path_factory.mktemp("front-door-provider")
    issuer = DevIssuer(folder)
    provider_port, portal_port = free_port(), free_port()
    while portal_port == provider_port:
        portal_port = free_port()
    urls = {
        "portal": f"http://127.0.0.1:{portal_port}",
        "provider": f"http://127.0.0.1:{provider_port}",
    }
    settings = _settings(await create_fresh_database("frontweb"), issuer, kafka_bootstrap, urls)
    app = build_app(SERVICE, settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client,
    ):
        seeder = Portal(app, client, issuer, Clock(datetime.now(UTC)), str(settings.database_url))
        assert P9.nhs_number
        assert P5.nhs_number
        plan = plan_revised(PLAN_TITLE, description="Rescue pack at home; call Ruth if worse")
        await seeder.deliver("carecoord.careplan.revised.v1", P9.nhs_number, plan)
        assigned = coordinator_assigned(COORDINATOR)
        await seeder.deliver("carecoord.coordinator.assigned.v1", P9.nhs_number, assigned)
        advice = {"serviceRequest": "ServiceRequest/ag-1", "outcome": "advice-given"}
        await seeder.deliver("carecoord.referral.triaged.v1", P9.nhs_number, advice)
        for patient in (P5, P9):  # both registered at the GP's (and co-ordinator's) practice
            await seeder.register(str(patient.nhs_number), str(GP.organisation))
    return settings, folder


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def front_door_stack(front_door_settings: tuple[PortalSettings, Path]) -> Iterator[FrontDoorStack]:
    settings, folder = front_door_settings
    portal_url, provider_url = str(settings.public_base_url).rstrip("/"), settings.oidc_issuer
    client = portal_client(portal_url, settings.oidc_client_id, settings.oidc_client_secret)
    provider = LiveServer(create_oidc_app(folder, provider_url, client=client), _port(provider_url))
    portal = LiveServer(build_app(SERVICE, settings), _port(portal_url))
    provider.start()
    portal.start()
    try:
        yield FrontDoorStack(portal_url, provider_url, DevIssuer(folder))
    finally:
        portal.stop()
        provider.stop()
