"""Who is signed in to the web pages, read once from the verified ID token's claims.

The services decide access from the access token; the web pages only need to show who
is signed in ("Signed in as <name>, <role>, <organisation>"), choose the home page's
screens, and for patients know the NHS login proofing level (P0/P5/P9) that gates what
they may see. The claim names are CareCoord's (see `principal`), with the organisation's
name from CIS2's `nhsid_user_orgs` and NHS login's `identity_proofing_level`; a
deployment whose identity provider names things differently maps them here, once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

from carecoord_shared.security.principal import ROLES, Role, kind_of

__all__ = ["ROLE_LABELS", "InvalidIdentity", "ProofingLevel", "WebUser", "user_from_claims"]

ProofingLevel = Literal["P0", "P5", "P9"]
_LEVELS: dict[str, ProofingLevel] = {level: level for level in get_args(ProofingLevel)}
_ROLES: dict[str, Role] = {role: role for role in ROLES}
_NHS_NUMBER = re.compile(r"[0-9]{10}")
_ODS = re.compile(r"[A-Z0-9]{3,10}")

ROLE_LABELS: Mapping[Role, str] = {
    "gp": "GP",
    "triage-clinician": "Triage clinician",
    "care-coordinator": "Care co-ordinator",
    "mdt-member": "MDT member",
    "paramedic": "Paramedic",
    "patient": "Patient",
    "system": "System",
    "admin": "Administrator",
}


class InvalidIdentity(ValueError):
    """The ID token does not describe someone who may use the web pages (message is safe)."""


@dataclass(frozen=True, slots=True)
class WebUser:
    """The signed-in person. `nhs_number` stays out of repr so it never reaches a log."""

    subject: str
    name: str
    role: Role
    organisation: str | None
    organisation_name: str | None
    proofing_level: ProofingLevel | None = None
    nhs_number: str | None = field(default=None, repr=False)

    @property
    def is_patient(self) -> bool:
        return self.role == "patient"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def banner(self) -> str:
        """ "Signed in as <name>, <role>, <organisation>" (patients: their proofing level)."""
        if self.is_patient:
            return f"Signed in as {self.name}, patient (NHS login {self.proofing_level})"
        return f"Signed in as {self.name}, {self.role_label}, {self.organisation_name}"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WebUser:
        values: dict[str, Any] = {name: data.get(name) for name in cls.__dataclass_fields__}
        return cls(**values)


def _text(claims: Mapping[str, object], name: str) -> str | None:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _organisation_name(claims: Mapping[str, object], code: str) -> str:
    orgs = claims.get("nhsid_user_orgs")
    for org in orgs if isinstance(orgs, list) else []:
        if isinstance(org, dict) and org.get("org_code") == code:
            name = org.get("org_name")
            if isinstance(name, str) and name.strip():
                return name.strip()
    return code


def _display_name(claims: Mapping[str, object]) -> str | None:
    given, family = _text(claims, "given_name"), _text(claims, "family_name")
    parts = " ".join(p for p in (given, family) if p)
    return _text(claims, "name") or parts or None


def user_from_claims(claims: Mapping[str, object]) -> WebUser:
    """The web user an ID token describes, or InvalidIdentity saying what is missing."""
    subject, name = _text(claims, "sub"), _display_name(claims)
    role = _ROLES.get(_text(claims, "carecoord_role") or "")
    if subject is None or name is None:
        raise InvalidIdentity("The identity has no subject or no name")
    if role is None or kind_of(role) == "system":
        raise InvalidIdentity("The identity has no role that may use the portal")
    if kind_of(role) == "patient":
        return _patient(subject, name, claims)
    organisation = _text(claims, "org")
    if organisation is None or not _ODS.fullmatch(organisation):
        raise InvalidIdentity("A staff identity needs an organisation (ODS code)")
    org_name = _organisation_name(claims, organisation)
    return WebUser(subject, name, role, organisation, org_name)


def _patient(subject: str, name: str, claims: Mapping[str, object]) -> WebUser:
    level = _LEVELS.get(_text(claims, "identity_proofing_level") or "")
    if level is None:
        raise InvalidIdentity("A patient identity needs an identity proofing level")
    nhs_number = _text(claims, "nhs_number")
    if level == "P0":
        nhs_number = None  # P0 is email and phone only: an NHS number would be unverified
    elif nhs_number is None or not _NHS_NUMBER.fullmatch(nhs_number):
        raise InvalidIdentity("A P5 or P9 patient identity needs a 10-digit NHS number")
    return WebUser(subject, name, "patient", None, None, level, nhs_number)
