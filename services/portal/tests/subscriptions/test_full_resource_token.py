"""`full-resource` with the portal's own system client, end to end: the worker gets a
token from the real development provider (client credentials, token endpoint from its
discovery document, the topics' focus read scopes) and reads the focus from the real
referrals service, which accepts it; the partner's notification carries the resource
as referrals holds it. The provider's registration for the portal (`make run`'s) grants
exactly those scopes; a wrong secret sends the focus by reference only."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from carecoord_devstack.oidc_provider import create_oidc_app
from carecoord_devstack.oidc_provider.system_clients import (
    DEV_SYSTEM_CLIENT_ID,
    granted_scope,
    system_clients_from_env,
)
from portal.service.delivery_focus import FOCUS_READ_SCOPE
from services.portal.tests.front_door.referrals_directory import (  # noqa: F401 - fixtures
    referrals,
    referrals_db,
    referrals_issuer,
)
from services.portal.tests.subscriptions import conftest as given
from services.portal.tests.subscriptions.receiver import Receiver
from services.portal.tests.subscriptions.test_delivery import active
from services.portal.tests.web.conftest import LiveServer, free_port
from services.referrals.tests.bodies import healthcare_service, service_request

CLIENT = system_clients_from_env({})[DEV_SYSTEM_CLIENT_ID]
READER = "system/Subscription.cruds system/ServiceRequest.r"


@pytest.fixture(scope="module")
def provider(referrals_issuer: Path) -> Iterator[str]:  # noqa: F811 - the fixture above
    """The development provider signing with the key referrals trusts, with the portal's
    system client as `make run` registers it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = LiveServer(create_oidc_app(referrals_issuer, url, system_clients=[CLIENT]), port)
    server.start()
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def advice(referrals: tuple[str, dict[str, str]]) -> None:  # noqa: F811 - the fixture above
    """A service in referrals' directory that takes the test's requests."""
    url, headers = referrals
    made = httpx.post(f"{url}/fhir/HealthcareService", json=healthcare_service(), headers=headers)
    assert made.status_code == 201, made.text


@pytest.fixture
def secret(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", CLIENT.client_secret))


@pytest.fixture
def live_extra(
    provider: str,
    referrals: tuple[str, dict[str, str]],  # noqa: F811 - the fixture above
    secret: str,
    advice: None,
) -> dict[str, Any]:
    return {
        "referrals_fhir_base": f"{referrals[0]}/fhir",
        "front_door_directory_client_id": CLIENT.client_id,
        "front_door_directory_client_secret": secret,
        "front_door_directory_issuer": provider,
    }


def test_the_portals_registration_grants_the_focus_read_scopes() -> None:
    assert granted_scope(CLIENT, FOCUS_READ_SCOPE) == FOCUS_READ_SCOPE
    assert "system/ServiceRequest.rs" in FOCUS_READ_SCOPE.split()
    assert CLIENT.agreement == "*"


@pytest.fixture
async def notified(
    live: given.Portal,
    receiver: Receiver,
    referrals: tuple[str, dict[str, str]],  # noqa: F811
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A request held by referrals, triaged: what the full-resource partner got."""
    nhs = given.new_nhs_number()
    async with httpx.AsyncClient(base_url=referrals[0], headers=referrals[1]) as api:
        made = await api.post("/fhir/ServiceRequest", json=service_request(nhs))
    assert made.status_code == 201, made.text
    full = given.subscription(receiver.url, given.new_secret(), payload="full-resource")
    created = await live.subscribe(full, name="reader", agreement="*", scopes=READER)
    assert created.status_code == 201, created.text
    await active(live, created.json()["id"], name="reader", agreement="*", scopes=READER)
    await live.publish(live.settings.referrals_topic, given.triaged(nhs, made.json()["id"]))
    await given.eventually(
        lambda: asyncio.sleep(0, len(receiver.of_kind("event-notification")) >= 1)
    )
    entries = receiver.of_kind("event-notification")[0].json["entry"][1:]
    held = made.json()
    assert [e["fullUrl"] for e in entries] == [f"{referrals[0]}/fhir/ServiceRequest/{held['id']}"]
    return held, entries


async def test_the_focus_is_read_from_referrals_with_the_portals_system_token(
    notified: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    held, entries = notified

    got = entries[0]["resource"]
    assert (got["resourceType"], got["id"]) == ("ServiceRequest", held["id"])
    assert got["subject"] == held["subject"]
    assert got["meta"]["versionId"] == held["meta"]["versionId"]


@pytest.mark.parametrize("secret", ["a-wrong-secret-for-the-portal"], indirect=True)
async def test_a_token_the_issuer_refuses_sends_the_focus_by_reference_only(
    secret: str, notified: tuple[dict[str, Any], list[dict[str, Any]]]
) -> None:
    assert "resource" not in notified[1][0]
