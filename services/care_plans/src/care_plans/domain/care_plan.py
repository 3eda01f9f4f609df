"""Shared care plans: the facts the rules need about a plan, and the review schedule.

A comprehensive plan is the one personalised care and support plan of a patient
(DOMAIN.md, G3); condition-specific plans may sit beside it. Reviews: "at least
annual; twice a year for diabetes or COPD (G1)". Reading these facts out of FHIR
JSON is `fhir.care_plan`'s job; this module has no FHIR and no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from carecoord_shared.calendar import add_months


@dataclass(frozen=True, slots=True)
class PlanFacts:
    comprehensive: bool
    active: bool
    co_developed: bool
    agreed: bool
    goal_count: int
    last_reviewed: date | None


def review_months(six_monthly: bool) -> int:
    return 6 if six_monthly else 12


def next_review_due(reviewed: date | None, six_monthly: bool) -> date | None:
    return None if reviewed is None else add_months(reviewed, review_months(six_monthly))


@dataclass(frozen=True, slots=True)
class DueReview:
    """An active comprehensive plan whose review fell due on `due_on`."""

    care_plan_id: str
    patient_nhs: str
    due_on: date
