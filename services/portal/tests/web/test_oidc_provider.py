"""The development OIDC provider refuses what CIS2 or NHS login would, and mints usable tokens.

Driven in-process (httpx over ASGI): these are the provider's own rules, with no portal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from carecoord_devstack.oidc_provider import create_oidc_app, portal_client
from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.tokens import TokenVerifier
from carecoord_shared.settings import DEV_ISSUER
from portal.web.security import new_pkce

ISSUER = "http://provider.test"
PORTAL = "http://portal.test"
CALLBACK = f"{PORTAL}/auth/callback"
SECRET = "provider-test-secret"
REGISTERED = portal_client(PORTAL, "portal", SECRET)


@pytest.fixture
async def provider(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_oidc_app(tmp_path, ISSUER, client=REGISTERED)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as client:
        yield client


def request_params(**changes: str) -> dict[str, str]:
    pkce = new_pkce()
    params = {
        "response_type": "code",
        "client_id": "portal",
        "redirect_uri": CALLBACK,
        "scope": "openid profile",
        "state": "state-1",
        "nonce": "nonce-1",
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
        "verifier": pkce.verifier,
    }
    return params | changes


async def code_for(provider: httpx.AsyncClient, user: str, params: dict[str, str]) -> str:
    form = {k: v for k, v in params.items() if k != "verifier"} | {"user": user}
    chosen = await provider.post("/authorize", data=form)
    assert chosen.status_code == 303
    answer = parse_qs(urlsplit(chosen.headers["location"]).query)
    assert answer["state"] == ["state-1"]
    assert answer["iss"] == [ISSUER]
    return answer["code"][0]


async def exchange(provider: httpx.AsyncClient, code: str, verifier: str) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    return await provider.post(
        "/token", data=form | {"code_verifier": verifier}, auth=("portal", SECRET)
    )


async def id_claims(provider: httpx.AsyncClient, id_token: str) -> dict[str, object]:
    keys = KeySet.import_key_set((await provider.get("/jwks.json")).json())
    return dict(jwt.decode(id_token, keys, algorithms=["RS256"]).claims)


async def tokens_for(provider: httpx.AsyncClient, user: str) -> dict[str, Any]:
    """The tokens `user` ends the code flow with (PKCE, the portal's secret)."""
    params = request_params()
    code = await code_for(provider, user, params)
    return dict((await exchange(provider, code, params["verifier"])).json())


def services_verifier(tmp_path: Path) -> TokenVerifier:
    """How the services check an access token (the development issuer's keys)."""
    return TokenVerifier(DEV_ISSUER, "carecoord", DevIssuer(tmp_path).jwks_url)


async def test_the_launcher_can_tell_the_provider_is_up(provider: httpx.AsyncClient) -> None:
    assert (await provider.get("/readyz")).json() == {"status": "ok"}


async def test_discovery_names_the_issuer_and_requires_s256(provider: httpx.AsyncClient) -> None:
    document = (await provider.get("/.well-known/openid-configuration")).json()
    assert document["issuer"] == ISSUER
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["end_session_endpoint"] == f"{ISSUER}/end-session"


async def test_an_unregistered_redirect_uri_is_refused_on_a_page(
    provider: httpx.AsyncClient,
) -> None:
    params = request_params(redirect_uri="http://evil.test/callback")
    response = await provider.get("/authorize", params=params)
    assert response.status_code == 400
    assert "location" not in response.headers


async def test_a_request_without_pkce_is_sent_back_with_an_error(
    provider: httpx.AsyncClient,
) -> None:
    params = request_params(code_challenge_method="plain")
    response = await provider.get("/authorize", params=params)
    assert response.status_code == 303
    answer = parse_qs(urlsplit(response.headers["location"]).query)
    assert answer["error"] == ["invalid_request"]
    assert answer["state"] == ["state-1"]


async def test_a_gp_gets_an_id_token_for_the_portal_and_an_access_token_for_the_services(
    provider: httpx.AsyncClient, tmp_path: Path
) -> None:
    tokens = await tokens_for(provider, "gp")
    claims = await id_claims(provider, tokens["id_token"])
    assert claims["iss"] == ISSUER
    assert claims["aud"] == "portal"
    assert claims["nonce"] == "nonce-1"
    assert claims["carecoord_role"] == "gp"
    principal = await services_verifier(tmp_path).verify(tokens["access_token"])
    assert principal.role == "gp"
    assert principal.organisation == claims["org"]


@pytest.mark.parametrize("level", ["P5", "P9"])
async def test_patients_carry_their_nhs_number_and_proofing_level(
    provider: httpx.AsyncClient, tmp_path: Path, level: str
) -> None:
    tokens = await tokens_for(provider, f"patient-{level.lower()}")
    claims = await id_claims(provider, tokens["id_token"])
    assert claims["identity_proofing_level"] == level
    principal = await services_verifier(tmp_path).verify(tokens["access_token"])
    assert principal.nhs_number == claims["nhs_number"]
    access = jwt.decode(tokens["access_token"], KeySet.import_key_set(DevIssuer(tmp_path).jwks()))
    assert access.claims["identity_proofing_level"] == level


async def test_a_p0_patient_has_no_nhs_number_and_no_access_to_the_services(
    provider: httpx.AsyncClient, tmp_path: Path
) -> None:
    tokens = await tokens_for(provider, "patient-p0")
    claims = await id_claims(provider, tokens["id_token"])
    assert claims["identity_proofing_level"] == "P0"
    assert "nhs_number" not in claims
    with pytest.raises(FhirError):
        await services_verifier(tmp_path).verify(tokens["access_token"])
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await provider.get("/userinfo", headers=bearer)).json()[
        "identity_proofing_level"
    ] == "P0"


async def test_a_wrong_verifier_spends_the_code(provider: httpx.AsyncClient) -> None:
    params = request_params()
    code = await code_for(provider, "gp", params)
    wrong = await exchange(provider, code, new_pkce().verifier)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    again = await exchange(provider, code, params["verifier"])
    assert again.json()["error"] == "invalid_grant"


async def test_the_client_must_prove_its_secret(provider: httpx.AsyncClient) -> None:
    params = request_params()
    code = await code_for(provider, "gp", params)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": params["verifier"],
        "client_id": "portal",
        "client_secret": "wrong",
    }
    refused = await provider.post("/token", data=form)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"


async def test_end_session_revokes_userinfo_and_returns_to_the_portal(
    provider: httpx.AsyncClient,
) -> None:
    tokens = await tokens_for(provider, "paramedic")
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await provider.get("/userinfo", headers=bearer)).status_code == 200
    ended = await provider.get(
        "/end-session",
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": f"{PORTAL}/auth/signed-out",
        },
    )
    assert ended.headers["location"] == f"{PORTAL}/auth/signed-out"
    assert (await provider.get("/userinfo", headers=bearer)).status_code == 401
