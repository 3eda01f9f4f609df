"""The FastAPI dependency turns the Authorization header into a Principal or a FHIR 401/403."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from carecoord_shared.fhir.outcome import FhirError, operation_outcome
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.fastapi import CurrentPrincipal, require, require_operation
from carecoord_shared.security.tokens import TokenVerifier
from carecoord_shared.settings import DEV_ISSUER


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> DevIssuer:
    return DevIssuer(tmp_path_factory.mktemp("issuer"))


def _app(issuer: DevIssuer) -> FastAPI:
    app = FastAPI()
    app.state.token_verifier = TokenVerifier(DEV_ISSUER, "carecoord", issuer.jwks_url)

    @app.exception_handler(FhirError)
    async def _render(_request: Request, error: FhirError) -> JSONResponse:
        body = operation_outcome(error.issues)
        return JSONResponse(body, status_code=error.status, headers=error.headers)

    @app.get("/fhir/ServiceRequest")
    async def search(principal: CurrentPrincipal) -> dict[str, str]:
        require(principal, "ServiceRequest", "s")
        return {"subject": principal.subject}

    @app.post("/fhir/ServiceRequest/{id}/$triage")
    async def triage(principal: CurrentPrincipal) -> dict[str, str]:
        require_operation(principal, "ServiceRequest", "triage", changes_state=True)
        return {"subject": principal.subject}

    return app


@pytest.fixture
async def client(issuer: DevIssuer) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app(issuer))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Basic dXNlcjpwYXNz", "Bearer not-a-token"]
)
async def test_missing_or_malformed_header_is_401_outcome(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await client.get("/fhir/ServiceRequest", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "login"


async def test_valid_token_reaches_the_route(client: httpx.AsyncClient, issuer: DevIssuer) -> None:
    token = issuer.mint("triage-clinician", organisation="RX1", user="u-1")
    response = await client.get(
        "/fhir/ServiceRequest", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.json() == {"subject": "u-1"}


async def test_scope_that_does_not_allow_the_interaction_is_403(
    client: httpx.AsyncClient, issuer: DevIssuer
) -> None:
    token = issuer.mint("admin", organisation="X26")
    response = await client.get(
        "/fhir/ServiceRequest", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403
    assert response.json()["issue"][0]["code"] == "forbidden"


async def test_state_changing_operation_needs_update_scope(
    client: httpx.AsyncClient, issuer: DevIssuer
) -> None:
    reader = issuer.mint("paramedic", organisation="RYC")
    writer = issuer.mint("triage-clinician", organisation="RX1")
    url = "/fhir/ServiceRequest/1/$triage"
    denied = await client.post(url, headers={"Authorization": f"Bearer {reader}"})
    allowed = await client.post(url, headers={"Authorization": f"Bearer {writer}"})
    assert (denied.status_code, allowed.status_code) == (403, 200)


async def test_app_without_a_verifier_fails_loudly(issuer: DevIssuer) -> None:
    app = _app(issuer)
    del app.state.token_verifier
    token = issuer.mint("gp", organisation="A81001")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        with pytest.raises(RuntimeError, match="TokenVerifier"):
            await client.get("/fhir/ServiceRequest", headers={"Authorization": f"Bearer {token}"})
