"""Who calls in the access matrix: the wrong users and the legitimate ones.

Each wrong user is a way a real caller could be near patient A's record without a
right to it (issue 13, acceptance): another practice's GP, another patient, a
paramedic with no advice call, an MDT member of no MDT of A's, an administrator of
A's own practice, a partner system whose agreement covers another practice only, and
A's own GP holding a scope for one other type only. Beside them, the users who must
succeed: A's registered practice's GP (chair of the MDT the matrix creates), a system
client with an agreement over everything, and a paramedic on an advice call about A.
"""

from __future__ import annotations

from dataclasses import dataclass

from carecoord_shared.security.dev_issuer import DEFAULT_SCOPES
from carecoord_shared.security.principal import Role
from carecoord_shared.security.scopes import Interaction, allows, parse_scopes
from tests.access.bodies import P1, P2
from tests.access.directory import CHAIR

ONE_OTHER_TYPE = "one-other-type"
"""Placeholder scope: `user/<another type of the service>.cruds`, chosen per route."""


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Role
    organisation: str | None = None
    subject: str | None = None
    patient: str | None = None
    """'A' or 'B': whose NHS number a patient token carries."""
    scopes: str | None = None
    agreement: str | None = None
    sees_b: bool = False
    """Has a relationship with patient B (so may see what now belongs to B)."""

    def scope_text(self, other_type: str) -> str:
        if self.scopes == ONE_OTHER_TYPE:
            return f"user/{other_type}.cruds"
        return self.scopes if self.scopes is not None else DEFAULT_SCOPES[self.role]

    def may(self, resource_type: str, letter: Interaction, other_type: str) -> bool:
        """The scope check alone: would this user's token allow `letter` on the type?"""
        context = {"patient": "patient", "system": "system"}.get(self.role, "user")
        scopes = {s for s in parse_scopes(self.scope_text(other_type)) if s.context == context}
        return allows(frozenset(scopes), resource_type, letter)


WRONG_USERS: tuple[User, ...] = (
    User("other-practice-gp", "gp", P2, "gp-of-p2", sees_b=True),
    User("other-patient", "patient", patient="B", sees_b=True),
    User("paramedic-no-call", "paramedic", "RYC", "paramedic-no-call"),
    User("mdt-non-member", "mdt-member", "RXX01", "sds-outsider-1"),
    User("admin-of-a-practice", "admin", P1, "admin-of-p1"),
    User("system-other-agreement", "system", subject="partner-p2", agreement=P2, sees_b=True),
    User("gp-one-other-scope", "gp", P1, "gp-narrow", scopes=ONE_OTHER_TYPE),
)

LEGIT_GP = User("registered-gp", "gp", P1, CHAIR)
LEGIT_SYSTEM = User("system-whole-agreement", "system", subject="demographics-feed", agreement="*")
LEGIT_PARAMEDIC = User("paramedic-on-call", "paramedic", "RYC", "paramedic-on-call")
LEGIT_USERS = (LEGIT_GP, LEGIT_SYSTEM, LEGIT_PARAMEDIC)
