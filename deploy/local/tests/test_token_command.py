"""`carecoord token` prints a token the local stack's verifier accepts."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from carecoord_devstack import tokens
from carecoord_devstack.paths import DevstackError
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.tokens import TokenVerifier
from carecoord_shared.settings import DEV_ISSUER


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="carecoord")
    commands = parser.add_subparsers(dest="command", required=True)
    tokens.register(commands)
    args = parser.parse_args(["token", *argv])
    result: int = args.handler(args)
    return result


async def test_token_command_prints_a_verifiable_token(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("--role", "mdt-member", "--org", "Y02345", "--user", "u-42") == 0
    token = capsys.readouterr().out.strip()

    assert tokens.dev_jwks_url().startswith(f"file://{home}/.run/dev-issuer/")
    verifier = TokenVerifier(DEV_ISSUER, "carecoord", tokens.dev_jwks_url())
    principal = await verifier.verify(token)
    assert (principal.role, principal.organisation, principal.subject) == (
        "mdt-member",
        "Y02345",
        "u-42",
    )


async def test_scope_option_replaces_the_role_defaults(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run("--role", "patient", "--patient", "9000000009", "--scope", "patient/CarePlan.r")
    token = capsys.readouterr().out.strip()
    jwks = DevIssuer(home / ".run" / "dev-issuer").jwks_url
    principal = await TokenVerifier(DEV_ISSUER, "carecoord", jwks).verify(token)
    assert principal.allows("CarePlan", "r")
    assert not principal.allows("Communication", "c")


def test_missing_organisation_is_a_devstack_error(home: Path) -> None:
    with pytest.raises(DevstackError, match="organisation"):
        _run("--role", "gp")
