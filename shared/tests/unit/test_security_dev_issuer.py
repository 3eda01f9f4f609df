"""The development issuer keeps one key, publishes only its public half, and mints per role."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from carecoord_shared.security.dev_issuer import DEFAULT_SCOPES, DevIssuer
from carecoord_shared.security.principal import ROLES
from carecoord_shared.security.scopes import parse_scopes
from carecoord_shared.security.tokens import TokenVerifier
from carecoord_shared.settings import DEV_ISSUER

DIRECTORY = ("Organization", "HealthcareService", "PractitionerRole", "Endpoint", "Subscription")


def test_key_is_made_once_and_kept(tmp_path: Path) -> None:
    first = DevIssuer(tmp_path / "issuer").jwks()
    second = DevIssuer(tmp_path / "issuer").jwks()
    assert first == second
    assert stat.S_IMODE((tmp_path / "issuer" / "signing-key.json").stat().st_mode) == 0o600


def test_published_jwks_holds_no_private_key(tmp_path: Path) -> None:
    issuer = DevIssuer(tmp_path)
    published = json.loads(Path(issuer.jwks_url.removeprefix("file://")).read_text())
    assert published == issuer.jwks()
    (key,) = published["keys"]
    assert key["kty"] == "RSA"
    assert key["kid"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & key.keys()


async def test_every_role_mints_a_token_the_verifier_accepts(tmp_path: Path) -> None:
    issuer = DevIssuer(tmp_path)
    verifier = TokenVerifier(DEV_ISSUER, "carecoord", issuer.jwks_url)
    for role in ROLES:
        token = issuer.mint(
            role,
            organisation=None if role in ("patient", "system") else "A81001",
            nhs_number="9000000009" if role == "patient" else None,
        )
        principal = await verifier.verify(token)
        assert principal.role == role
        assert principal.scopes == parse_scopes(DEFAULT_SCOPES[role])


@pytest.mark.parametrize(
    ("role", "kwargs", "why"),
    [
        ("gp", {}, "organisation"),
        ("patient", {}, "NHS number"),
        ("patient", {"nhs_number": "123"}, "NHS number"),
        ("gp", {"organisation": "A81001", "nhs_number": "9000000009"}, "only patient"),
        ("surgeon", {"organisation": "A81001"}, "unknown role"),
    ],
)
def test_mint_refuses_tokens_the_verifier_would_refuse(
    tmp_path: Path, role: str, kwargs: dict[str, str], why: str
) -> None:
    with pytest.raises(ValueError, match=why):
        DevIssuer(tmp_path).mint(role, **kwargs)  # type: ignore[arg-type]


def test_admin_defaults_reach_the_directory_only() -> None:
    admin = parse_scopes(DEFAULT_SCOPES["admin"])
    assert all(any(s.allows(t, "r") for s in admin) for t in DIRECTORY)
    for clinical in ("Patient", "ServiceRequest", "CarePlan", "Communication", "AuditEvent"):
        assert not any(s.allows(clinical, "r") for s in admin)


def test_paramedic_and_patient_defaults_read_everything_and_create_communications() -> None:
    for role in ("paramedic", "patient"):
        scopes = parse_scopes(DEFAULT_SCOPES[role])
        assert any(s.allows("CarePlan", "r") for s in scopes)
        assert any(s.allows("Communication", "c") for s in scopes)
        assert not any(s.allows("ServiceRequest", "c") for s in scopes)
        assert not any(s.allows("CarePlan", "u") for s in scopes)


def test_default_scopes_cover_every_role_in_the_right_context() -> None:
    contexts = {"patient": "patient", "system": "system"}
    assert set(DEFAULT_SCOPES) == set(ROLES)
    for role, text in DEFAULT_SCOPES.items():
        scopes = parse_scopes(text)
        assert len(scopes) == len(text.split()), f"{role} has a scope that does not parse"
        assert {s.context for s in scopes} == {contexts.get(role, "user")}
