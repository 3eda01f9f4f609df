"""What the co-ordinator's pages show, read out of the care plans service's FHIR JSON.

Small typed views of a patient, their care team and a shared care plan, so templates
never dig through FHIR structure. The next review follows care_plans' own schedule
(its README, "Review schedule"): the last review, or the plan's start, plus six months
for diabetes or COPD and twelve otherwise (QOF / indicator G1).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from carecoord_shared.calendar import add_months
from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM
from portal.service.bff import care_plans_vocabulary as c
from portal.service.bff.client import Json, version_of
from portal.service.bff.clock import parse_instant
from portal.service.bff.shapes import identifier_value

__all__ = [
    "Contribution",
    "PatientView",
    "PlanView",
    "Team",
    "TeamMember",
    "next_review",
    "patient_view",
    "plan_view",
    "team_of",
]


@dataclass(frozen=True, slots=True)
class PatientView:
    id: str
    name: str
    nhs_number: str

    @property
    def search_key(self) -> str:
        """How care_plans finds the patient's records (their subject is by NHS number)."""
        return f"{NHS_NUMBER_SYSTEM}|{self.nhs_number}"


@dataclass(frozen=True, slots=True)
class TeamMember:
    name: str
    cover: bool
    until: str


@dataclass(frozen=True, slots=True)
class Team:
    members: list[TeamMember] = field(default_factory=list)

    @property
    def coordinators(self) -> list[TeamMember]:
        return [m for m in self.members if not m.cover]

    @property
    def cover(self) -> list[TeamMember]:
        return [m for m in self.members if m.cover]


@dataclass(frozen=True, slots=True)
class Contribution:
    author: str
    organisation: str
    version: str
    recorded: str


@dataclass(frozen=True, slots=True)
class PlanView:
    id: str
    version: str
    title: str
    status: str
    description: str
    last_reviewed: date | None
    next_review: date | None
    goal_refs: tuple[str, ...]
    activities: tuple[tuple[str, str], ...]
    end_of_life: tuple[tuple[str, str], ...]
    goals: tuple[str, ...] = ()
    contributions: tuple[Contribution, ...] = ()

    def overdue(self, today: date) -> bool:
        return self.next_review is not None and self.next_review < today

    def with_details(self, goals: list[str], provenance: list[Json]) -> PlanView:
        found = [_contribution(p) for p in provenance]
        found.sort(key=lambda c: c.recorded, reverse=True)
        return replace(self, goals=tuple(goals), contributions=tuple(found))


def next_review(last: date | None, six_monthly: bool) -> date | None:
    return None if last is None else add_months(last, 6 if six_monthly else 12)


def _day(text: object) -> date | None:
    if isinstance(text, str) and len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    instant = parse_instant(text)
    return instant.date() if instant else None


def _extension(body: Json, url: str) -> Json:
    return next((e for e in body.get("extension", []) if e.get("url") == url), {})


def _end_of_life(body: Json) -> tuple[tuple[str, str], ...]:
    found = []
    for part in _extension(body, c.END_OF_LIFE).get("extension", []):
        name = str(part.get("url") or "")
        if name == "resuscitation":
            decision = next(
                (
                    p.get("valueString")
                    for p in part.get("extension", [])
                    if p.get("url") == "decision"
                ),
                "",
            )
            found.append(("Resuscitation decision", str(decision)))
        elif name in c.END_OF_LIFE_PARTS:
            found.append((c.END_OF_LIFE_PARTS[name], str(part.get("valueString") or "")))
    return tuple(found)


def plan_view(body: Json, six_monthly: bool) -> PlanView:
    reviewed = _day(_extension(body, c.LAST_REVIEWED).get("valueDateTime"))
    last = reviewed or _day((body.get("period") or {}).get("start")) or _day(body.get("created"))
    activities = []
    for activity in body.get("activity", []):
        detail = activity.get("detail") or {}
        text = detail.get("description") or (activity.get("reference") or {}).get("display")
        if text:
            activities.append((str(text), str(detail.get("status") or "")))
    return PlanView(
        id=str(body["id"]),
        version=version_of(body),
        title=str(body.get("title") or "Care plan"),
        status=str(body.get("status") or ""),
        description=str(body.get("description") or ""),
        last_reviewed=reviewed,
        next_review=next_review(last, six_monthly),
        goal_refs=tuple(str(g["reference"]) for g in body.get("goal", []) if g.get("reference")),
        activities=tuple(activities),
        end_of_life=_end_of_life(body),
    )


def _identifier(reference: Any) -> str:
    reference = reference or {}
    return str(reference.get("display") or identifier_value(reference))


def _contribution(body: Json) -> Contribution:
    agent = (body.get("agent") or [{}])[0]
    targets = body.get("target") or [{}]
    version = _extension(targets[0], c.TARGET_VERSION)
    return Contribution(
        _identifier(agent.get("who")) or "Unknown",
        _identifier(agent.get("onBehalfOf")),
        str(version.get("valueString") or ""),
        str(body.get("recorded") or "")[:16].replace("T", " "),
    )


def patient_view(body: Json) -> PatientView:
    names = body.get("name") or [{}]
    name = " ".join([*names[0].get("given", []), names[0].get("family", "")]).strip()
    nhs = [
        i.get("value") for i in body.get("identifier", []) if i.get("system") == NHS_NUMBER_SYSTEM
    ]
    return PatientView(str(body["id"]), name or "Name not recorded", str(nhs[0] if nhs else ""))


def team_of(teams: list[Json]) -> Team:
    members = []
    for team in teams:
        for participant in team.get("participant", []):
            codes = {
                c.get("code") for r in participant.get("role", []) for c in r.get("coding", [])
            }
            until = str((participant.get("period") or {}).get("end") or "")[:10]
            name = _identifier(participant.get("member")) or "Not recorded"
            members.append(TeamMember(name, "care-coordinator-cover" in codes, until))
    return Team(members)
