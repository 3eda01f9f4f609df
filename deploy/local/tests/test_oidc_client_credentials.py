"""The development OIDC provider's client credentials grant (RFC 6749 4.4) for system
clients, driven in-process: what it grants, what it refuses, and that the services'
own verifier accepts what it grants (as referrals does, for its audience)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from carecoord_devstack.oidc_provider import SystemClient, create_oidc_app, portal_client
from carecoord_devstack.oidc_provider.system_clients import granted_scope
from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.tokens import TokenVerifier
from carecoord_shared.settings import DEV_ISSUER

ISSUER = "http://provider.test"
SYSTEM = SystemClient("directory-reader", "a-system-secret", "system/HealthcareService.rs")
PORTAL = portal_client("http://portal.test", "portal", "portal-secret")


@pytest.fixture
async def provider(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_oidc_app(tmp_path, ISSUER, client=PORTAL, system_clients=[SYSTEM])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as client:
        yield client


async def _grant(provider: httpx.AsyncClient, auth: tuple[str, str], **form: str) -> httpx.Response:
    body = {"grant_type": "client_credentials"} | form
    return await provider.post("/token", data=body, auth=auth)


async def test_discovery_offers_the_client_credentials_grant(
    provider: httpx.AsyncClient,
) -> None:
    found = (await provider.get("/.well-known/openid-configuration")).json()

    assert "client_credentials" in found["grant_types_supported"]
    assert found["token_endpoint"] == f"{ISSUER}/token"


async def test_a_system_client_gets_a_system_token_referrals_accepts(
    provider: httpx.AsyncClient, tmp_path: Path
) -> None:
    answer = await _grant(provider, ("directory-reader", "a-system-secret"))

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 300)
    assert body["scope"] == "system/HealthcareService.rs"
    assert "refresh_token" not in body
    assert "id_token" not in body
    assert answer.headers["cache-control"] == "no-store"
    verifier = TokenVerifier(DEV_ISSUER, "carecoord-referrals", DevIssuer(tmp_path).jwks_url)
    caller = await verifier.verify(body["access_token"])
    assert (caller.kind, caller.subject, caller.agreement) == (
        "system",
        "directory-reader",
        frozenset(),
    )
    assert caller.allows("HealthcareService", "s")
    assert not caller.allows("Patient", "r")


async def test_a_narrower_or_v1_scope_is_granted_as_asked(provider: httpx.AsyncClient) -> None:
    answer = await _grant(
        provider, ("directory-reader", "a-system-secret"), scope="system/HealthcareService.read"
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["scope"] == "system/HealthcareService.read"


@pytest.mark.parametrize(
    "scope", ["system/Patient.rs", "system/*.cruds", "user/HealthcareService.rs", "openid"]
)
async def test_a_scope_beyond_the_registration_is_invalid_scope(
    provider: httpx.AsyncClient, scope: str
) -> None:
    answer = await _grant(provider, ("directory-reader", "a-system-secret"), scope=scope)

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_scope"


@pytest.mark.parametrize(
    "auth", [("directory-reader", "wrong-secret"), ("nobody", "a-system-secret"), ("", "")]
)
async def test_an_unknown_client_or_a_bad_secret_is_401_invalid_client(
    provider: httpx.AsyncClient, auth: tuple[str, str]
) -> None:
    answer = await _grant(provider, auth)

    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert answer.headers["www-authenticate"].startswith("Basic")
    assert "access_token" not in answer.text


async def test_the_secret_in_the_body_works_too(provider: httpx.AsyncClient) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": "directory-reader",
        "client_secret": "a-system-secret",
    }

    answer = await provider.post("/token", data=form)

    assert answer.status_code == 200, answer.text


async def test_each_client_keeps_to_its_own_grant(provider: httpx.AsyncClient) -> None:
    interactive = await _grant(provider, ("portal", "portal-secret"))
    system_code = await provider.post(
        "/token",
        data={"grant_type": "authorization_code", "code": "x"},
        auth=("directory-reader", "a-system-secret"),
    )

    assert (interactive.status_code, interactive.json()["error"]) == (400, "unauthorized_client")
    assert (system_code.status_code, system_code.json()["error"]) == (400, "unauthorized_client")


async def test_a_token_from_another_issuers_key_is_refused(tmp_path: Path) -> None:
    """Sanity of the check above: the verifier really checks the provider's key."""
    other = DevIssuer(tmp_path / "other")
    verifier = TokenVerifier(DEV_ISSUER, "carecoord-referrals", DevIssuer(tmp_path).jwks_url)

    with pytest.raises(FhirError) as refused:
        await verifier.verify(other.mint("system"))

    assert refused.value.status == 401


def test_make_run_and_docker_compose_give_the_portal_the_providers_system_client() -> None:
    """The portal's client settings match the client the provider registers, in both the
    local stack's environment and docker-compose.yml."""
    import yaml

    from carecoord_devstack.oidc_provider.system_clients import (
        PORTAL_SYSTEM_SCOPES,
        system_clients_from_env,
    )
    from carecoord_devstack.paths import repo_root
    from carecoord_devstack.stack_services import environment

    compose = yaml.safe_load((repo_root() / "docker-compose.yml").read_text())
    for env in (environment(), compose["services"]["portal"]["environment"]):
        client_id = env["PORTAL_FRONT_DOOR_DIRECTORY_CLIENT_ID"]
        registered = system_clients_from_env({})[client_id]
        assert registered.authenticates(env["PORTAL_FRONT_DOOR_DIRECTORY_CLIENT_SECRET"])
        assert registered.scopes == PORTAL_SYSTEM_SCOPES
        assert registered.agreement == "*"
        assert granted_scope(registered, "system/HealthcareService.rs") is not None
