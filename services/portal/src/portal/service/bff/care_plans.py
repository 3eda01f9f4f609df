"""The care co-ordinator's shared care plan, as calls to care_plans with their own token.

A plan page reads the patient, their care team (named co-ordinator and cover), their
active plans with goals in the patient's words, activities, end-of-life preferences and
who contributed each version (Provenance: author and organisation). An edit is applied
to the plan as it is now and sent as a PUT with If-Match set to the version the
co-ordinator was looking at, so another organisation's edit in between comes back as
412: the page then shows their version beside this person's changes, and saving again
re-applies those changes on top of theirs (care_plans' README: "concurrent edits must
never silently overwrite each other").
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date

from portal.service.bff.care_plans_shapes import (
    PatientView,
    PlanView,
    Team,
    patient_view,
    plan_view,
    team_of,
)
from portal.service.bff.care_plans_vocabulary import LAST_REVIEWED
from portal.service.bff.client import FhirClient, Json, if_match, write_answer

__all__ = [
    "Assignment",
    "PlanEdit",
    "PlanPage",
    "SaveAnswer",
    "assign",
    "load_plan_page",
    "save_plan",
]


@dataclass(frozen=True, slots=True)
class PlanEdit:
    """What a co-ordinator changes on a plan: its summary, the review and a new activity."""

    description: str
    reviewed_on: date | None
    new_activity: str = ""

    def apply(self, plan: Json) -> Json:
        """`plan` with these changes (a new dictionary; `plan` is left as it was)."""
        changed = dict(plan)
        changed["description"] = self.description or None
        if self.reviewed_on is not None:
            others = [e for e in plan.get("extension", []) if e.get("url") != LAST_REVIEWED]
            reviewed = {"url": LAST_REVIEWED, "valueDateTime": self.reviewed_on.isoformat()}
            changed["extension"] = [*others, reviewed]
        if self.new_activity:
            detail = {"status": "not-started", "description": self.new_activity}
            changed["activity"] = [*plan.get("activity", []), {"detail": detail}]
        changed.pop("text", None)  # care_plans writes the narrative itself
        return {k: value for k, value in changed.items() if value is not None}


@dataclass(frozen=True, slots=True)
class PlanPage:
    patient: PatientView
    team: Team
    plan: PlanView | None
    plans: list[PlanView] = field(default_factory=list)


async def _one(api: FhirClient, path: str) -> tuple[Json | None, str | None]:
    reply = await api.get(path)
    return (reply.body, reply.etag) if reply.ok else (None, None)


async def _search(api: FhirClient, path: str, query: list[tuple[str, str]]) -> list[Json]:
    reply = await api.get(path, query)
    return [e.get("resource") or {} for e in reply.body.get("entry", [])] if reply.ok else []


async def load_plan_page(api: FhirClient, patient_id: str, plan_id: str = "") -> PlanPage | None:
    """The patient's page (and `plan_id`, when one is asked for); None when the patient
    (or that plan of theirs) is not there or not for this person."""
    patient, _ = await _one(api, f"Patient/{patient_id}")
    if patient is None:
        return None
    about = [("patient:identifier", patient_view(patient).search_key)]
    plans, teams, stratified = await asyncio.gather(
        _search(api, "CarePlan", [*about, ("status", "active,draft,on-hold")]),
        _search(api, "CareTeam", about),
        api.get(f"Patient/{patient_id}/$stratification"),
    )
    six_monthly = any(
        p.get("name") == "sixMonthlyReview" and p.get("valueBoolean")
        for p in stratified.body.get("parameter", [])
    )
    views = [plan_view(p, six_monthly) for p in plans]
    chosen = next((p for p in views if p.id == plan_id), None) if plan_id else None
    if plan_id and chosen is None:
        return None
    if chosen is not None:
        chosen = await _with_details(api, chosen)
    return PlanPage(patient_view(patient), team_of(teams), chosen, views)


async def _with_details(api: FhirClient, plan: PlanView) -> PlanView:
    """The plan with its goals' words and its contributions (Provenance)."""
    goals, provenance = await asyncio.gather(
        asyncio.gather(*(_one(api, ref) for ref in plan.goal_refs)),
        _search(api, "Provenance", [("target", f"CarePlan/{plan.id}"), ("_count", "50")]),
    )
    words = [str((g or {}).get("description", {}).get("text") or "") for g, _ in goals]
    return plan.with_details([w for w in words if w], provenance)


@dataclass(frozen=True, slots=True)
class SaveAnswer:
    """`saved`, `conflict` (someone else saved first: `theirs` is the plan now), `gone`
    or `refused` (with care_plans' messages)."""

    result: str
    theirs: PlanView | None = None
    messages: tuple[str, ...] = ()


async def save_plan(api: FhirClient, plan_id: str, version: str, edit: PlanEdit) -> SaveAnswer:
    current, etag = await _one(api, f"CarePlan/{plan_id}")
    if current is None:
        return SaveAnswer("gone")
    match = if_match(version) or etag or ""
    answer = write_answer(await api.put(f"CarePlan/{plan_id}", edit.apply(current), if_match=match))
    theirs = plan_view(current, False) if answer.result == "conflict" else None
    return SaveAnswer(answer.result, theirs, answer.messages)


@dataclass(frozen=True, slots=True)
class Assignment:
    """A handover (a new named co-ordinator) or cover until a date, with the reason."""

    name: str
    sds_user_id: str
    phone: str
    kind: str
    cover_until: date | None
    reason: str

    def parameters(self) -> Json:
        who = {"reference": f"PractitionerRole/sds-{self.sds_user_id}", "display": self.name}
        params: list[Json] = [
            {"name": "practitionerRole", "valueReference": who},
            {"name": "sdsUserId", "valueString": self.sds_user_id},
            {"name": "kind", "valueCode": self.kind},
            {"name": "reason", "valueString": self.reason},
        ]
        if self.phone:
            params.append({"name": "phone", "valueString": self.phone})
        if self.cover_until is not None:
            params.append({"name": "cover", "valueBoolean": True})
            end = f"{self.cover_until.isoformat()}T23:59:59+00:00"
            params.append({"name": "period", "valuePeriod": {"end": end}})
        return {"resourceType": "Parameters", "parameter": params}


async def assign(api: FhirClient, patient_id: str, assignment: Assignment) -> list[str]:
    """Record the handover or cover; what care_plans found wrong with it, if anything."""
    reply = await api.post(f"Patient/{patient_id}/$assign-coordinator", assignment.parameters())
    if reply.ok:
        return []
    return [m for m in reply.issues() if m] or ["The change of co-ordinator was not recorded"]
