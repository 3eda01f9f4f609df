"""TokenVerifier against tokens from the development issuer, and forgeries of them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.scopes import parse_scopes
from carecoord_shared.security.tokens import TokenVerifier
from carecoord_shared.settings import DEV_ISSUER


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> DevIssuer:
    return DevIssuer(tmp_path_factory.mktemp("issuer"))


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> DevIssuer:
    """Another issuer with its own key: what an attacker's signing key looks like."""
    return DevIssuer(tmp_path_factory.mktemp("stranger"))


@pytest.fixture
def verifier(issuer: DevIssuer) -> TokenVerifier:
    return TokenVerifier(DEV_ISSUER, "carecoord", issuer.jwks_url)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _claims(**extra: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": DEV_ISSUER,
        "aud": "carecoord",
        "sub": "dev-gp",
        "iat": now,
        "exp": now + 600,
        "carecoord_role": "gp",
        "org": "A81001",
        "scope": "user/*.cruds",
    }
    claims.update(extra)
    return claims


def _private_key(issuer: DevIssuer) -> RSAKey:
    return RSAKey.import_key(json.loads(issuer.key_file.read_text()))


async def _refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(FhirError) as caught:
        await verifier.verify(token)
    assert caught.value.status == 401
    assert caught.value.issues[0].code == "login"
    assert "WWW-Authenticate" in caught.value.headers
    return caught.value.issues[0].diagnostics


async def test_valid_staff_token_becomes_principal(
    verifier: TokenVerifier, issuer: DevIssuer
) -> None:
    token = issuer.mint("triage-clinician", organisation="RX1", user="555123456789")

    principal = await verifier.verify(token)

    assert principal.subject == "555123456789"
    assert principal.kind == "staff"
    assert principal.role == "triage-clinician"
    assert principal.organisation == "RX1"
    assert principal.nhs_number is None
    assert principal.token_id
    assert principal.allows("ServiceRequest", "u")
    assert not principal.allows("ServiceRequest", "d")


async def test_valid_patient_token_carries_nhs_number_but_not_in_repr(
    verifier: TokenVerifier, issuer: DevIssuer
) -> None:
    principal = await verifier.verify(issuer.mint("patient", nhs_number="9000000009"))

    assert principal.kind == "patient"
    assert principal.nhs_number == "9000000009"
    assert principal.organisation is None
    assert principal.scopes == parse_scopes("patient/*.rs patient/Communication.crs")
    assert "9000000009" not in repr(principal)


async def test_missing_or_garbage_token_is_refused(verifier: TokenVerifier) -> None:
    assert "empty" in await _refused(verifier, "")
    assert "well-formed" in await _refused(verifier, "garbage")
    assert "well-formed" in await _refused(verifier, "a.b.c")
    assert "too long" in await _refused(verifier, "x" * 10_000)


async def test_expired_token_is_refused(verifier: TokenVerifier, issuer: DevIssuer) -> None:
    token = issuer.mint("gp", organisation="A81001", issued_at=int(time.time()) - 7200)
    assert "expired" in await _refused(verifier, token)


async def test_token_expired_within_leeway_is_accepted(
    verifier: TokenVerifier, issuer: DevIssuer
) -> None:
    token = issuer.mint("gp", organisation="A81001", lifetime_s=-10)
    assert (await verifier.verify(token)).role == "gp"


async def test_token_not_yet_valid_is_refused(verifier: TokenVerifier, issuer: DevIssuer) -> None:
    token = issuer.mint("gp", organisation="A81001", issued_at=int(time.time()) + 600)
    assert "not valid yet" in await _refused(verifier, token)


async def test_wrong_audience_is_refused(verifier: TokenVerifier, issuer: DevIssuer) -> None:
    token = issuer.mint("gp", organisation="A81001", audience="another-service")
    assert "audience" in await _refused(verifier, token)


async def test_wrong_issuer_is_refused(verifier: TokenVerifier, issuer: DevIssuer) -> None:
    token = issuer.mint("gp", organisation="A81001", issuer="https://evil.example")
    assert "issuer" in await _refused(verifier, token)


async def test_alg_none_is_refused(verifier: TokenVerifier, issuer: DevIssuer) -> None:
    kid = _private_key(issuer).kid
    header = _b64(json.dumps({"alg": "none", "kid": kid, "typ": "JWT"}).encode())
    token = f"{header}.{_b64(json.dumps(_claims()).encode())}."
    assert "algorithm" in await _refused(verifier, token)


async def test_hs256_signed_with_the_public_key_is_refused(
    verifier: TokenVerifier, issuer: DevIssuer
) -> None:
    public = _private_key(issuer)
    secret = public.as_pem(private=False)
    header = _b64(json.dumps({"alg": "HS256", "kid": public.kid, "typ": "JWT"}).encode())
    signing_input = f"{header}.{_b64(json.dumps(_claims()).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    assert "algorithm" in await _refused(verifier, f"{signing_input}.{_b64(signature)}")


@pytest.mark.parametrize(
    "header", [{"alg": ["RS256"], "kid": "k"}, {"alg": "RS256", "kid": 7}, ["RS256"], "RS256"]
)
async def test_malformed_header_is_refused(verifier: TokenVerifier, header: object) -> None:
    token = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(_claims()).encode())}.c2ln"
    await _refused(verifier, token)


async def test_unknown_kid_is_refused(verifier: TokenVerifier, stranger: DevIssuer) -> None:
    token = stranger.mint("gp", organisation="A81001")
    assert "does not publish" in await _refused(verifier, token)


async def test_token_without_kid_is_refused(verifier: TokenVerifier, issuer: DevIssuer) -> None:
    token = jwt.encode({"alg": "RS256"}, _claims(), _private_key(issuer), algorithms=["RS256"])
    assert "kid" in await _refused(verifier, token)


async def test_signature_from_another_key_under_our_kid_is_refused(
    verifier: TokenVerifier, issuer: DevIssuer, stranger: DevIssuer
) -> None:
    header = {"alg": "RS256", "kid": _private_key(issuer).kid}
    token = jwt.encode(header, _claims(), _private_key(stranger), algorithms=["RS256"])
    assert "signature" in await _refused(verifier, token)


async def test_tampered_payload_is_refused(verifier: TokenVerifier, issuer: DevIssuer) -> None:
    header, _payload, signature = issuer.mint("gp", organisation="A81001").split(".")
    forged = _b64(json.dumps(_claims(carecoord_role="system", scope="system/*.cruds")).encode())
    assert "signature" in await _refused(verifier, f"{header}.{forged}.{signature}")


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"carecoord_role": "superuser"}, "carecoord_role"),
        ({"org": None}, "org"),
        ({"org": "not an ods code"}, "ODS"),
        ({"nhs_number": "9000000009"}, "nhs_number"),
        ({"carecoord_role": "patient", "org": None}, "nhs_number"),
        ({"sub": ""}, "sub"),
    ],
)
async def test_incoherent_claims_are_refused(
    verifier: TokenVerifier, issuer: DevIssuer, claims: dict[str, object], why: str
) -> None:
    body = {k: v for k, v in _claims(**claims).items() if v is not None}
    header = {"alg": "RS256", "kid": _private_key(issuer).kid}
    token = jwt.encode(header, body, _private_key(issuer), algorithms=["RS256"])
    assert why in await _refused(verifier, token)


async def test_scopes_of_another_context_grant_nothing(
    verifier: TokenVerifier, issuer: DevIssuer
) -> None:
    token = issuer.mint("patient", nhs_number="9000000009", scopes="user/*.cruds system/*.cruds")
    principal = await verifier.verify(token)
    assert not principal.allows("Patient", "r")


async def test_cached_token_is_refused_after_it_expires(issuer: DevIssuer) -> None:
    now = [time.time()]
    verifier = TokenVerifier(DEV_ISSUER, "carecoord", issuer.jwks_url, clock=lambda: now[0])
    token = issuer.mint("gp", organisation="A81001", lifetime_s=60)
    assert (await verifier.verify(token)).role == "gp"
    assert (await verifier.verify(token)).role == "gp"

    now[0] += 60 + 31
    assert "expired" in await _refused(verifier, token)


async def test_jwks_over_https_and_es256(tmp_path: Path) -> None:
    key = ECKey.generate_key("P-256", parameters={"use": "sig"}, auto_kid=True)
    served = {"keys": [key.as_dict(private=False)]}
    requests: list[httpx.Request] = []

    def idp(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json=served)

    verifier = TokenVerifier(
        "https://idp.example", "carecoord", "https://idp.example/jwks",
        transport=httpx.MockTransport(idp),
    )  # fmt: skip
    header = {"alg": "ES256", "kid": key.kid}
    token = jwt.encode(header, _claims(iss="https://idp.example"), key, algorithms=["ES256"])

    assert (await verifier.verify(token)).subject == "dev-gp"
    assert [str(r.url) for r in requests] == ["https://idp.example/jwks"]


async def test_algorithm_must_match_the_key_type(
    issuer: DevIssuer, verifier: TokenVerifier
) -> None:
    rsa = _private_key(issuer)
    ec = ECKey.generate_key("P-256")
    token = jwt.encode({"alg": "ES256", "kid": rsa.kid}, _claims(), ec, algorithms=["ES256"])
    assert "does not match" in await _refused(verifier, token)


async def test_unreachable_jwks_is_a_401_not_a_crash() -> None:
    verifier = TokenVerifier(
        DEV_ISSUER, "carecoord", "https://idp.example/jwks",
        transport=httpx.MockTransport(lambda _request: httpx.Response(503)),
    )  # fmt: skip
    token = jwt.encode(
        {"alg": "RS256", "kid": "k1"}, _claims(), RSAKey.generate_key(2048), algorithms=["RS256"]
    )
    assert "unavailable" in await _refused(verifier, token)


@pytest.mark.parametrize("algorithms", [["HS256"], ["none"], ["RS256", "HS512"], []])
def test_verifier_refuses_unsafe_algorithm_lists(algorithms: list[str]) -> None:
    with pytest.raises(ValueError, match="refusing"):
        TokenVerifier(DEV_ISSUER, "carecoord", "file:///nowhere", algorithms=algorithms)


def test_a_patient_token_carries_its_proofing_level() -> None:
    from carecoord_shared.security.principal import InvalidClaims, principal_from_claims

    base = {"sub": "nhs-login-1", "carecoord_role": "patient", "nhs_number": "9990000018"}
    assert principal_from_claims({**base, "identity_proofing_level": "P9"}).proofing_level == "P9"
    assert principal_from_claims(base).proofing_level is None
    with pytest.raises(InvalidClaims):
        principal_from_claims({**base, "identity_proofing_level": "P7"})
    staff = {"sub": "1", "carecoord_role": "gp", "org": "A81001", "identity_proofing_level": "P9"}
    assert principal_from_claims(staff).proofing_level is None
