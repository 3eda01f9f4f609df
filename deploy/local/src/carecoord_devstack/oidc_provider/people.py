"""Who the development provider lets a developer be, and the claims it says about them.

Staff come from the demo users (one per role, each at a real demo organisation, so the
services' relationship checks have something to decide on); patients are the first demo
patients at NHS login's three identity proofing levels. The claim names are the ones
CareCoord trusts (`carecoord_role`, `org`, `nhs_number`, see `principal`) plus what the
portal needs for its banner: `name`, CIS2's `nhsid_user_orgs` (organisation names) and
NHS login's `identity_proofing_level`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from carecoord_devstack.demo_data.directory import PARTNERS, practices
from carecoord_devstack.demo_data.people import patients
from carecoord_devstack.demo_data.users import demo_users
from carecoord_shared.security.principal import Role

__all__ = ["DemoIdentity", "demo_identities", "profile_claims"]

# Made-up names for the demo staff (the demo users are described, not named).
_STAFF_NAMES: dict[Role, str] = {
    "gp": "Dr Priya Shah",
    "triage-clinician": "Dr Owen Hughes",
    "care-coordinator": "Ruth Morgan",
    "mdt-member": "Nia Evans",
    "paramedic": "Callum Scott",
    "admin": "Janet Clarke",
}


@dataclass(frozen=True, slots=True)
class DemoIdentity:
    """A person the chooser offers: a staff member of one role, or a patient at one level."""

    key: str
    name: str
    role: Role
    subject: str
    description: str
    organisation: str | None = None
    organisation_name: str | None = None
    nhs_number: str | None = field(default=None, repr=False)
    proofing_level: str | None = None
    given_name: str | None = None
    family_name: str | None = None


def demo_identities() -> list[DemoIdentity]:
    """Staff of each role from the demo users; the first demo patients at P9, P5 and P0."""
    names = {p.ods: p.name for p in practices()} | {o.ods: o.name for o in PARTNERS}
    users = {user.role: user for user in demo_users()}
    found = [
        DemoIdentity(
            role,
            name,
            role,
            users[role].user_id,
            users[role].description,
            users[role].organisation,
            names.get(users[role].organisation or ""),
        )
        for role, name in _STAFF_NAMES.items()
    ]
    for level, person in zip(("P9", "P5", "P0"), patients()[:3], strict=True):
        nhs = None if level == "P0" else person.nhs_number
        # NHS login subjects are opaque; P5/P9 match the `carecoord token` derivation.
        seed = f"nhs-login:{nhs}" if nhs else f"nhs-login:p0:{person.given}.{person.family}"
        found.append(
            DemoIdentity(
                f"patient-{level.lower()}",
                f"{person.given} {person.family}",
                "patient",
                str(uuid.uuid5(uuid.NAMESPACE_URL, seed)),
                f"patient, NHS login {level}",
                nhs_number=nhs,
                proofing_level=level,
                given_name=person.given,
                family_name=person.family,
            )
        )
    return found


def profile_claims(who: DemoIdentity) -> dict[str, Any]:
    """Claims about the person, shared by the ID token and userinfo."""
    claims: dict[str, Any] = {"sub": who.subject, "name": who.name, "carecoord_role": who.role}
    if who.organisation:
        claims["org"] = who.organisation
        # CIS2 lists the user's organisations, with their names, in `nhsid_user_orgs`.
        claims["nhsid_user_orgs"] = [
            {"org_code": who.organisation, "org_name": who.organisation_name or who.organisation}
        ]
    if who.proofing_level:
        claims["identity_proofing_level"] = who.proofing_level
        claims["given_name"], claims["family_name"] = who.given_name, who.family_name
        claims["email"] = f"{who.key}@example.org"
        if who.nhs_number:
            claims["nhs_number"] = who.nhs_number
    return claims
