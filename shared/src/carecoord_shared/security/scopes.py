"""SMART App Launch scopes: what a token says its bearer may do with each resource type.

The first of the two authorisation checks (the second, the caller's relationship with
the patient, is in `access`). Tokens carry SMART v2 scopes such as
`user/ServiceRequest.rs`, `patient/CarePlan.r` or `system/*.cruds`, and older clients
still send v1 `.read` / `.write` / `.*`; both parse into one `Scope` value so the rest
of the code asks a single question, `allows(scopes, resource_type, interaction)`, with
interaction one of c(reate), r(ead), u(pdate), d(elete), s(earch). Scopes this server
cannot enforce are ignored rather than widened: non-resource scopes (`openid`,
`launch/patient`, `fhirUser`) and v2 granular scopes with a query
(`patient/Observation.rs?category=laboratory`) grant nothing here.

FHIR operations (`$name`) have no letter of their own. Decision: an operation that
changes state (creates, updates or transitions resources) needs `u` on the resource
type it is invoked on; one that only reads needs `r`. An operation that also writes
resources of other types must additionally `require` the matching letter on those.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, cast, get_args

__all__ = [
    "Context",
    "Interaction",
    "Scope",
    "allows",
    "allows_operation",
    "operation_interaction",
    "parse_scope",
    "parse_scopes",
]

Context = Literal["patient", "user", "system"]
Interaction = Literal["c", "r", "u", "d", "s"]

INTERACTIONS: tuple[Interaction, ...] = get_args(Interaction)
_V1 = {"read": "rs", "write": "cud", "*": "cruds"}
# v2 permissions must appear in the order c, r, u, d, s, each at most once.
_SCOPE = re.compile(
    r"(?P<context>patient|user|system)/(?P<type>\*|[A-Z][A-Za-z]{0,63})"
    r"\.(?P<perm>read|write|\*|c?r?u?d?s?)"
)


@dataclass(frozen=True, slots=True)
class Scope:
    """One resource scope: in which context, on which type (`*` = any), which interactions."""

    context: Context
    resource_type: str
    interactions: frozenset[Interaction]

    def allows(self, resource_type: str, interaction: Interaction) -> bool:
        return self.resource_type in ("*", resource_type) and interaction in self.interactions

    def __str__(self) -> str:
        letters = "".join(i for i in INTERACTIONS if i in self.interactions)
        return f"{self.context}/{self.resource_type}.{letters}"


def parse_scope(text: str) -> Scope | None:
    """The resource scope `text` denotes, or None for anything this server does not enforce."""
    match = _SCOPE.fullmatch(text)
    if match is None or not match["perm"]:
        return None
    letters = _V1.get(match["perm"], match["perm"])
    return Scope(
        context=cast(Context, match["context"]),
        resource_type=match["type"],
        interactions=frozenset(cast(Interaction, letter) for letter in letters),
    )


def parse_scopes(text: str) -> frozenset[Scope]:
    """Parse the space-separated `scope` claim; unknown or unenforceable scopes are dropped."""
    parsed = (parse_scope(word) for word in text.split())
    return frozenset(scope for scope in parsed if scope is not None)


def allows(scopes: Iterable[Scope], resource_type: str, interaction: Interaction) -> bool:
    """True when any of `scopes` permits `interaction` on `resource_type`."""
    if interaction not in INTERACTIONS:
        raise ValueError(f"unknown interaction {interaction!r}: use one of c, r, u, d, s")
    return any(scope.allows(resource_type, interaction) for scope in scopes)


def operation_interaction(changes_state: bool) -> Interaction:
    """The scope letter a `$operation` needs on its resource type (see the module docstring)."""
    return "u" if changes_state else "r"


def allows_operation(scopes: Iterable[Scope], resource_type: str, changes_state: bool) -> bool:
    """True when `scopes` permit invoking an operation on `resource_type`."""
    return allows(scopes, resource_type, operation_interaction(changes_state))
