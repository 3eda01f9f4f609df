"""An MDT as a FHIR CareTeam, mapped to the values membership checks and listing use.

The shape (checked on every write): `category` says a locality MDT or a nursing-home
MDT; an extension names the locality; `managingOrganization` lists the practices the
MDT serves by ODS code (the population it is responsible for); each participant is a
person by SDS user id with a membership role (core or extended, DOMAIN.md's lists)
and one of them is the chair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carecoord_shared.fhir.identifiers import ODS_SYSTEM, SDS_USER_SYSTEM
from carecoord_shared.fhir.operation_definition import CANONICAL_ROOT
from carecoord_shared.fhir.outcome import Issue, JsonObject
from mdt.domain.teams import Member, Team
from mdt.domain.vocabulary import TEAM_KINDS
from mdt.fhir.systems import CODES, LEGACY_ROOT, LOCALITY, MEMBERSHIP


@dataclass(frozen=True, slots=True)
class TeamShape:
    team: Team
    name: str | None
    members: tuple[Member, ...]


def _ours(url: object, canonical: str) -> bool:
    """`url` is `canonical`, or the same system under the root used before issue 14."""
    return url in (canonical, canonical.replace(CANONICAL_ROOT, LEGACY_ROOT))


def _codes(concepts: Any, system: str) -> list[str]:
    found = []
    for concept in concepts if isinstance(concepts, list) else [concepts]:
        for coding in (concept or {}).get("coding", []):
            if _ours(coding.get("system"), system) and coding.get("code"):
                found.append(str(coding["code"]))
    return found


def kind_of(body: JsonObject) -> str | None:
    for code in _codes(body.get("category", []), CODES):
        if code in TEAM_KINDS:
            return TEAM_KINDS[code]
    return None


def locality_of(body: JsonObject) -> str | None:
    for extension in body.get("extension", []):
        if _ours(extension.get("url"), LOCALITY) and extension.get("valueString"):
            return str(extension["valueString"])
    return None


def practices_of(body: JsonObject) -> tuple[str, ...]:
    return tuple(
        str(org["identifier"]["value"])
        for org in body.get("managingOrganization", [])
        if (org.get("identifier") or {}).get("system") == ODS_SYSTEM
        and (org.get("identifier") or {}).get("value")
    )


def _member(participant: JsonObject) -> Member | None:
    identifier = (participant.get("member") or {}).get("identifier") or {}
    roles = _codes(participant.get("role", []), MEMBERSHIP)
    membership = next((r for r in roles if r in ("core", "extended")), None)
    if identifier.get("system") != SDS_USER_SYSTEM or not identifier.get("value") or not membership:
        return None
    return Member(str(identifier["value"]), membership, "chair" in roles)


def team_from_fhir(mdt_id: str, body: JsonObject, *, active: bool | None = None) -> TeamShape:
    members = [_member(p) for p in body.get("participant", [])]
    team = Team(
        mdt_id,
        kind_of(body) or "locality",
        locality_of(body),
        practices_of(body),
        body.get("status") in (None, "active", "proposed") if active is None else active,
    )
    return TeamShape(team, body.get("name"), tuple(m for m in members if m is not None))


def team_issues(body: JsonObject) -> list[Issue]:
    """Why a CareTeam is not a usable MDT (400 issues), or nothing."""
    issues = []
    if kind_of(body) is None:
        issues.append(
            Issue(
                "required",
                "An MDT needs a category mdt-locality or mdt-nursing-home",
                ("CareTeam.category",),
            )
        )
    if not practices_of(body):
        issues.append(
            Issue(
                "required",
                "An MDT serves at least one practice (managingOrganization by ODS code)",
                ("CareTeam.managingOrganization",),
            )
        )
    chairs = 0
    for index, participant in enumerate(body.get("participant", [])):
        member = _member(participant)
        if member is None:
            issues.append(
                Issue(
                    "value",
                    "Each member needs an SDS user id and a core or extended membership role",
                    (f"CareTeam.participant[{index}]",),
                )
            )
        elif member.chair:
            chairs += 1
    if chairs != 1:
        issues.append(
            Issue("business-rule", "An MDT has exactly one chair", ("CareTeam.participant",))
        )
    return issues
