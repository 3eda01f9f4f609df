"""The records the service keeps beside its FHIR resources, as plain values.

The store reads and writes them, the service layer decides with them and the FHIR
mapping renders them; keeping them here (no I/O) lets each of those, and the
in-memory fakes of the repositories, share one definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from referrals.domain.triage import TriageState

__all__ = [
    "AdviceCall",
    "CarePlanSummary",
    "Coordinator",
    "LocalityCalls",
    "Transition",
    "TriageCase",
]


@dataclass(slots=True)
class TriageCase:
    """One triage Task on the response clock: its state, due date, pause and alarms."""

    task: str
    service_request: str
    ubrn: str
    nhs_number: str
    service: str
    requester_ods: str
    priority: str
    target_days: int
    state: TriageState
    submitted_at: datetime
    due_at: datetime
    paused_at: datetime | None = None
    responded_at: datetime | None = None
    imminent_raised_at: datetime | None = None
    breached_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    """One step of triage: who moved the request from which state to which, and why."""

    service_request: str
    task: str
    outcome: str
    from_state: str
    to_state: str
    actor: str
    actor_role: str
    actor_organisation: str | None
    reason: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class AdviceCall:
    """A recorded advice-line call, counted for the avoided-conveyance measure."""

    communication: str
    advice_line: str
    locality: str | None
    outcome: str
    nhs_number: str
    paramedic: str
    at: datetime


@dataclass(frozen=True, slots=True)
class LocalityCalls:
    """An advice line's calls from one locality, and how many avoided conveyance."""

    locality: str | None
    calls: int
    avoided: int


@dataclass(frozen=True, slots=True)
class Coordinator:
    """A patient's named co-ordinator, as care_plans announced it."""

    nhs_number: str
    care_team: str
    kind: str
    coordinator: dict[str, Any]
    cover: bool
    period_start: str | None
    period_end: str | None
    updated_at: datetime
    ended: bool = False


@dataclass(frozen=True, slots=True)
class CarePlanSummary:
    """What the paramedic summary shows of a care plan (the newest version announced)."""

    care_plan: str
    nhs_number: str
    version_id: int
    status: str | None
    title: str | None
    description: str | None
    next_review_due: str | None
    end_of_life: dict[str, Any] | None
    updated_at: datetime
