"""The MDT's vocabulary and the decisions about a meeting's case list, with no I/O.

Ordering is urgency first, then risk, then time waited (the issue's rule: the most
urgent and riskiest patients are discussed first; among equals, whoever has waited
longest). Capacity comes from the meeting's length and the minutes a case takes
(DOMAIN.md: about 3.2 minutes a patient measured in cancer MDTs), so a 90-minute
meeting takes 28 cases and the rest overflow to the next meeting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, NewType, get_args

CaseId = NewType("CaseId", str)
NhsNumber = NewType("NhsNumber", str)

Urgency = Literal["urgent", "soon", "routine"]
URGENCIES: tuple[Urgency, ...] = get_args(Urgency)
CaseState = Literal["listed", "prepared", "discussed", "deferred", "not-discussed"]
DiscussionOutcome = Literal["discussed", "deferred", "not-discussed"]
OUTCOMES: tuple[DiscussionOutcome, ...] = get_args(DiscussionOutcome)
OwnerKind = Literal["person", "role", "organisation"]
OWNER_KINDS: tuple[OwnerKind, ...] = get_args(OwnerKind)

FHIR_PRIORITY: dict[Urgency, str] = {"urgent": "urgent", "soon": "asap", "routine": "routine"}
"""FHIR request priority for each urgency (R4 has no 'soon'; `asap` sits between)."""

WAITING_STATES: frozenset[str] = frozenset({"listed", "prepared", "deferred", "not-discussed"})
"""States in which an open case is waiting for a meeting."""


@dataclass(frozen=True, slots=True)
class QueuedCase:
    """An open case as the case-list planner sees it."""

    id: CaseId
    urgency: Urgency
    risk: float
    listed_at: datetime


def queue_key(case: QueuedCase) -> tuple[int, float, datetime, str]:
    return (URGENCIES.index(case.urgency), -case.risk, case.listed_at, case.id)


def capacity(duration_minutes: int, minutes_per_case: float) -> int:
    """How many cases fit in a meeting (whole cases only, at least one)."""
    return max(1, math.floor(duration_minutes / minutes_per_case + 1e-9))


@dataclass(frozen=True, slots=True)
class CaseListPlan:
    listed: tuple[QueuedCase, ...]
    overflow: tuple[QueuedCase, ...]


def plan_case_list(cases: Sequence[QueuedCase], places: int) -> CaseListPlan:
    """Order the waiting cases and cut the list at the meeting's capacity."""
    ordered = sorted(cases, key=queue_key)
    return CaseListPlan(tuple(ordered[:places]), tuple(ordered[places:]))


@dataclass(frozen=True, slots=True)
class Checklist:
    """What must be in place before a case is discussed (the issue's preparation list)."""

    question_stated: bool
    care_plan_current: bool
    recent_activity_attached: bool

    @property
    def ready(self) -> bool:
        return self.question_stated and self.care_plan_current and self.recent_activity_attached

    def missing(self) -> list[str]:
        names = {
            "question-stated": self.question_stated,
            "care-plan-current": self.care_plan_current,
            "recent-activity-attached": self.recent_activity_attached,
        }
        return [name for name, done in names.items() if not done]


def care_plan_current(review_due_on: date | None, meeting_day: date) -> bool:
    """A plan is current when its next review is not due before the meeting.

    A patient with no review date known here is treated as not current: the
    co-ordinator must check, rather than the MDT assume."""
    return review_due_on is not None and review_due_on >= meeting_day
