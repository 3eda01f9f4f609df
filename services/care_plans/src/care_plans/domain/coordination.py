"""Named co-ordinators: what an assignment is and the rules that govern handover and cover.

DOMAIN.md: every patient has "a named care co-ordinator" (lead GP, named care
co-ordinator or key worker); assignment is time-bounded; cover and handover are
recorded. Rules encoded here:
- a substantive assignment replaces the running one (a handover); at most one runs;
- cover is a second, temporary assignment for a bounded period that ends by itself
  (its period end is required); a new cover replaces a running cover;
- a period must not end before it starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NewType, get_args

AssignmentId = NewType("AssignmentId", int)
Kind = Literal["lead-gp", "named-care-coordinator", "key-worker"]
KINDS: tuple[Kind, ...] = get_args(Kind)
MAX_TEXT = 200


class AssignmentRejected(ValueError):
    """The assignment breaks a rule; `field` names the offending parameter."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class Coordinator:
    reference: str
    display: str | None
    sds_user_id: str
    phone: str | None

    def as_event(self) -> dict[str, str | None]:
        return {
            "reference": self.reference,
            "display": self.display,
            "sdsUserId": self.sds_user_id,
            "phone": self.phone,
        }


@dataclass(frozen=True, slots=True)
class Assignment:
    """A request to make `coordinator` the patient's co-ordinator (or cover) from `start`."""

    coordinator: Coordinator
    kind: Kind
    start: datetime
    end: datetime | None
    cover: bool
    reason: str


def check_assignment(assignment: Assignment) -> None:
    if assignment.end is not None and assignment.end <= assignment.start:
        raise AssignmentRejected("The period must end after it starts", "period")
    if assignment.cover and assignment.end is None:
        raise AssignmentRejected("Cover is temporary: give the period an end", "period")
    if not assignment.reason.strip():
        raise AssignmentRejected("Give a reason for the assignment", "reason")


def handover_reason(new: Assignment) -> str:
    return f"handover: {new.reason.strip()}"[:MAX_TEXT]


@dataclass(frozen=True, slots=True)
class AssignmentRecord:
    """An assignment as recorded: its period, and when and why it ended early (if it did)."""

    id: AssignmentId
    patient_nhs: str
    patient_id: str
    kind: str
    cover: bool
    coordinator: Coordinator
    period_start: datetime
    period_end: datetime | None
    reason: str
    ended_at: datetime | None = None
    ended_reason: str | None = None

    @property
    def running(self) -> bool:
        return self.ended_at is None

    def in_force(self, at: datetime) -> bool:
        return (
            self.period_start <= at
            and (self.period_end is None or self.period_end > at)
            and (self.ended_at is None or self.ended_at > at)
        )


@dataclass(frozen=True, slots=True)
class Coordination:
    """The patient's CareTeam and EpisodeOfCare, rebuilt from their assignments."""

    care_team_id: str
    episode_id: str

    @property
    def care_team(self) -> str:
        return f"CareTeam/{self.care_team_id}"


def substantive_in_force(records: list[AssignmentRecord], at: datetime) -> AssignmentRecord | None:
    """The care manager: the latest running substantive (not cover) assignment started by `at`."""
    return next(
        (r for r in reversed(records) if not r.cover and r.running and r.period_start <= at),
        None,
    )


def ended_reason(record: AssignmentRecord) -> str:
    """Why an assignment whose period ran out ended (the worker's clock ended it)."""
    return "cover period ended" if record.cover else "assignment period ended"
