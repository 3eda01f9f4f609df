"""Who is calling: the one value every authorisation decision and AuditEvent is made from.

Services never read JWT claims themselves; `TokenVerifier` turns a verified token into
a `Principal` here, refusing claims that do not make a coherent caller. CareCoord
trusts one set of claim names whichever national service authenticated the person or
system, so the mapping from each identity provider lives at the edge (an API gateway
or the identity provider's claims mapping), not in the services:

- `sub`: the subject. Staff: the CIS2 user id (the SDS user id, also CIS2's `sub`).
  Patients: the NHS login subject (opaque, not the NHS number). Systems: the client id.
- `carecoord_role`: one of `ROLES`. Staff: mapped from the national RBAC job role of the
  role profile the user selected at CIS2 sign-in (`selected_roleid` within
  `nhsid_nrbac_roles`), by a local mapping table kept with the gateway. NHS login:
  always `patient`. Signed-JWT client credentials (RFC 7523 `private_key_jwt`
  assertion exchanged for an access token): always `system`.
- `org`: ODS code. Staff: the `org_code` of the selected CIS2 role profile (required).
  Systems: the partner organisation named in its data-sharing agreement (optional).
  Ignored for patients.
- `nhs_number`: NHS login's `nhs_number` claim, patients only (a gateway should only
  issue it for a high identity-proofing level, P9). Refused on any other token.
- `scope`: space-separated SMART scopes granted for the role (`user/...` for staff,
  `patient/...` for patients, `system/...` for systems); scopes of another context
  than the caller's kind are dropped, so a patient token cannot act with `user/*`.
- `carecoord_agreement`: systems only: the ODS codes of the organisations whose
  patients the client's data-sharing agreement covers (space-separated), or `*` for an
  agreement covering the whole system (the demographics feed). A system token without
  it sees no patient data at all; scopes still decide which types.
- `identity_proofing_level`: patients only: NHS login's P0, P5 or P9 (P9: photo ID
  checked, needed to see records; P5: matched to demographics).
- `jti`: token id, kept for the audit trail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from carecoord_shared.security.scopes import Interaction, Scope, allows, parse_scopes

__all__ = [
    "ANONYMOUS",
    "ROLES",
    "InvalidClaims",
    "Kind",
    "Principal",
    "Role",
    "kind_of",
    "principal_from_claims",
]

Kind = Literal["staff", "patient", "system"]
Role = Literal[
    "gp",
    "triage-clinician",
    "care-coordinator",
    "mdt-member",
    "paramedic",
    "patient",
    "system",
    "admin",
    "information-governance",
]
ROLES: tuple[Role, ...] = get_args(Role)

_ODS = re.compile(r"[A-Z0-9]{3,10}")
_NHS_NUMBER = re.compile(r"[0-9]{10}")
_SUBJECT_MAX = 255


class InvalidClaims(ValueError):
    """The token's claims do not describe a usable caller; the message is safe to show."""


def kind_of(role: Role) -> Kind:
    if role == "patient":
        return "patient"
    if role == "system":
        return "system"
    return "staff"


@dataclass(frozen=True, slots=True)
class Principal:
    """The verified caller. `nhs_number` is kept out of repr so it never reaches a log."""

    subject: str
    kind: Kind
    role: Role
    organisation: str | None
    nhs_number: str | None = field(repr=False)
    scopes: frozenset[Scope]
    token_id: str | None = None
    agreement: frozenset[str] = frozenset()
    """System clients: the organisations their data-sharing agreement covers (`*`: all)."""
    proofing_level: str | None = None
    """Patients: NHS login's identity proofing level (P0, P5, P9): P9 to see records."""
    internal: bool = False
    """The service acting by itself (a consumer, a job), never a caller with a token."""

    def allows(self, resource_type: str, interaction: Interaction) -> bool:
        """The scope check: may this caller do `interaction` on `resource_type` at all?"""
        return allows(self.scopes, resource_type, interaction)


def _text(claims: Mapping[str, object], name: str) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidClaims(f"The token's '{name}' claim must be a non-empty string")
    return value


def principal_from_claims(claims: Mapping[str, object]) -> Principal:
    """Build the caller from verified claims, or raise InvalidClaims saying what is wrong."""
    subject = _text(claims, "sub")
    if subject is None or len(subject) > _SUBJECT_MAX:
        raise InvalidClaims("The token needs a 'sub' claim of at most 255 characters")
    role_claim = _text(claims, "carecoord_role")
    if role_claim not in ROLES:
        raise InvalidClaims("The token's 'carecoord_role' claim is missing or not a known role")
    role: Role = role_claim
    kind = kind_of(role)

    organisation = _text(claims, "org")
    if kind == "patient":
        organisation = None
    elif organisation is not None and not _ODS.fullmatch(organisation):
        raise InvalidClaims("The token's 'org' claim is not an ODS code")
    elif kind == "staff" and organisation is None:
        raise InvalidClaims("A staff token needs an 'org' claim (ODS code)")

    nhs_number = _text(claims, "nhs_number")
    if kind == "patient" and (nhs_number is None or not _NHS_NUMBER.fullmatch(nhs_number)):
        raise InvalidClaims("A patient token needs an 'nhs_number' claim of 10 digits")
    if kind != "patient" and nhs_number is not None:
        raise InvalidClaims("Only a patient token may carry an 'nhs_number' claim")

    context = "user" if kind == "staff" else kind
    scopes = parse_scopes(_text(claims, "scope") or "")
    agreement = frozenset((_text(claims, "carecoord_agreement") or "").split())
    if kind != "system":
        agreement = frozenset()
    elif any(o != "*" and not _ODS.fullmatch(o) for o in agreement):
        raise InvalidClaims("The token's 'carecoord_agreement' claim lists a non-ODS code")
    return Principal(
        subject=subject,
        kind=kind,
        role=role,
        organisation=organisation,
        nhs_number=nhs_number,
        scopes=frozenset(s for s in scopes if s.context == context),
        token_id=_text(claims, "jti"),
        agreement=agreement,
        proofing_level=_proofing_level(kind, claims),
    )


ANONYMOUS = Principal(
    subject="anonymous",
    kind="patient",
    role="patient",
    organisation=None,
    nhs_number=None,
    scopes=frozenset(),
)
"""Who calls an operation that may be invoked without a token, when none was given:
no scopes and no patient, so nothing of anyone's can be read or written."""

_LEVELS = ("P0", "P5", "P9")


def _proofing_level(kind: Kind, claims: Mapping[str, object]) -> str | None:
    level = _text(claims, "identity_proofing_level")
    if kind != "patient" or level is None:
        return None
    if level not in _LEVELS:
        raise InvalidClaims("The token's 'identity_proofing_level' must be P0, P5 or P9")
    return level


def system_principal(name: str) -> Principal:
    """Who the audit trail names when a service acts by itself (an event consumer, a
    periodic job): a system caller with every system scope, and no patient of its own."""
    return Principal(
        subject=name,
        kind="system",
        role="system",
        organisation=None,
        nhs_number=None,
        scopes=parse_scopes("system/*.cruds"),
        agreement=frozenset({"*"}),
        internal=True,
    )
