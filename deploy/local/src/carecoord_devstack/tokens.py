"""`carecoord token`: print a bearer token for the local stack, as a demo user would hold.

The local services trust the development issuer whose key lives in
`<repo>/.run/dev-issuer/` (its public `jwks.json` is what their `file://` JWKS URL
points at), so a developer, a demo script or a curl command needs a quick way to act
as a GP, a triage clinician, a patient or a partner system. This subcommand mints one
with the role's default scopes unless `--scope` narrows them, and prints only the token
so that `TOKEN=$(carecoord token --role gp --org A81001)` works.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TypeAlias

from carecoord_devstack.paths import DevstackError, run_dir
from carecoord_shared.security.dev_issuer import DEV_AUDIENCES, DevIssuer
from carecoord_shared.security.principal import ROLES, Role

__all__ = ["dev_issuer_folder", "dev_jwks_url", "register"]

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def dev_issuer_folder() -> Path:
    """Where the development issuer keeps its key pair and `jwks.json`."""
    return run_dir("dev-issuer")


def dev_jwks_url() -> str:
    """The `file://` JWKS URL local services trust (their `*_AUTH_JWKS_URL`); makes the key."""
    return DevIssuer(dev_issuer_folder()).jwks_url


def register(commands: Commands) -> None:
    """Add `token` to the `carecoord` command (wired in by cli.py)."""
    parser = commands.add_parser(
        "token",
        help="print a bearer token from the local development issuer",
        description="Mint a signed JWT for the local stack. Staff roles need --org; "
        "--role patient needs --patient.",
    )
    parser.add_argument("--role", required=True, choices=ROLES)
    parser.add_argument("--org", metavar="ODS", help="the organisation's ODS code (staff)")
    parser.add_argument("--user", metavar="ID", help="user id or client id (default: per role)")
    parser.add_argument("--patient", metavar="NHS_NUMBER", help="the patient's NHS number")
    parser.add_argument(
        "--scope",
        nargs="+",
        metavar="SCOPE",
        help="SMART scopes instead of the role's defaults, e.g. user/ServiceRequest.rs",
    )
    parser.add_argument("--lifetime", type=int, default=3600, metavar="S", help="seconds valid")
    parser.add_argument(
        "--audience",
        nargs="+",
        metavar="SERVICE",
        help="only these services accept it (portal referrals care_plans mdt; default: all)",
    )
    parser.set_defaults(handler=_token)


def _audiences(services: list[str] | None) -> tuple[str, ...]:
    if not services:
        return DEV_AUDIENCES
    return tuple("carecoord-" + s.replace("_", "-") for s in services)


def _token(args: argparse.Namespace) -> int:
    if args.lifetime <= 0:
        raise DevstackError("--lifetime must be a positive number of seconds")
    role: Role = args.role
    try:
        token = DevIssuer(dev_issuer_folder()).mint(
            role,
            organisation=args.org,
            user=args.user,
            nhs_number=args.patient,
            scopes=" ".join(args.scope) if args.scope else None,
            lifetime_s=args.lifetime,
            audience=_audiences(args.audience),
        )
    except ValueError as problem:  # our own messages: what to add or change
        raise DevstackError(str(problem)) from None
    print(token)
    return 0
