"""Routing a patient's answers: one use case behind `$route` and the front door's pages.

Checks what was given against the rule set (answers from the published CodeSystem, a
sensible age, text no longer than allowed), reads the patient's own plan from the
portal's read model when the caller is that patient, decides, and counts the route
and any red flag for `/metrics` (routes per destination; red flags, whose rate per
hour is the alerting figure).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from prometheus_client import Counter

from carecoord_shared.fhir.unit_of_work import FhirTransaction
from portal.domain.front_door_rules import SEXES, Sex
from portal.domain.routing import Decision, PlanContext, Situation, decide
from portal.service.front_door_rules import FrontDoorRules
from portal.store.front_door import PatientCare, PatientCareRecord

__all__ = [
    "RED_FLAGS_RAISED",
    "ROUTES_TAKEN",
    "InputProblem",
    "RouteInput",
    "counted",
    "plan_context",
    "problems_with",
    "route_now",
]

ROUTES_TAKEN = Counter(
    "portal_front_door_routes_total", "Front door decisions, by the route taken", ["route"]
)
RED_FLAGS_RAISED = Counter(
    "portal_front_door_red_flags_total",
    "Red flags disclosed at the front door (rate over 1h = red flags per hour)",
    ["route", "via"],
)


@dataclass(frozen=True, slots=True)
class RouteInput:
    age: int
    sex: str
    answers: tuple[str, ...]
    text: str = ""


@dataclass(frozen=True, slots=True)
class InputProblem:
    field: str
    """The input's name (`age`, `sex`, `answer`, `text`)."""
    message: str


def problems_with(
    front_door: FrontDoorRules, given: RouteInput, max_text: int
) -> list[InputProblem]:
    """Everything wrong with the input, each naming its field (empty: usable)."""
    found: list[InputProblem] = []
    if not 0 <= given.age <= 130:
        found.append(InputProblem("age", "Age must be a whole number of years from 0 to 130"))
    if given.sex not in SEXES:
        found.append(InputProblem("sex", f"Sex must be one of {', '.join(SEXES)}"))
    unknown = [a for a in given.answers if front_door.rules.question(a) is None]
    if unknown:
        found.append(
            InputProblem(
                "answer", f"Unknown answer code {unknown[0][:40]!r}: use the front door's questions"
            )
        )
    if len(given.text) > max_text:
        found.append(InputProblem("text", f"The description must be at most {max_text} characters"))
    return found


def _plan(record: PatientCareRecord | None) -> PlanContext | None:
    if record is None:
        return None
    text = " ".join(p for p in (record.plan_title, record.plan_description) if p)
    active = record.plan_status in (None, "active")
    return PlanContext(text if active else "", record.coordinator is not None)


async def plan_context(tx: FhirTransaction, nhs_number: str) -> PlanContext | None:
    """The patient's plan and co-ordinator from the read model (the read is audited)."""
    record = await tx.repository(PatientCare).get(nhs_number)
    await tx.record_access("R", "front-door/patient-care", [nhs_number])
    return _plan(record)


def route_now(
    front_door: FrontDoorRules,
    given: RouteInput,
    plan: PlanContext | None,
    now: datetime,
    *,
    count: bool = True,
) -> Decision:
    """The decision for checked input (see `problems_with`), counted for `/metrics`."""
    sex: Sex = next(s for s in SEXES if s == given.sex)
    situation = Situation(given.age, sex, frozenset(given.answers), given.text, plan)
    decision = decide(front_door.rules, front_door.services, situation, now)
    if count:
        counted(decision)
    return decision


def counted(decision: Decision) -> Decision:
    """Count a decision for `/metrics`: its route, and each red flag by how it was found."""
    ROUTES_TAKEN.labels(decision.route).inc()
    for flag in decision.flags:
        RED_FLAGS_RAISED.labels(flag.route, "answer" if flag.by_answer else "text").inc()
    if decision.red_flag and not decision.flags:
        RED_FLAGS_RAISED.labels(decision.route, "exclusion").inc()
    return decision
