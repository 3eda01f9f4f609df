"""Commands the MDT service carries out, as plain values parsed at the API edge."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from mdt.domain.model import DiscussionOutcome, NhsNumber, OwnerKind, Urgency


@dataclass(frozen=True, slots=True)
class ListingSource:
    """Why a patient is on an MDT's list: a nomination or a rule fired by an event."""

    kind: str
    """`nomination` or a rule name from `mdt.domain.rules.RULES`."""
    reason: str
    event_id: str | None = None
    event_type: str | None = None
    nominator: str | None = None
    at: str = ""

    def as_json(self) -> dict[str, str]:
        value = {"kind": self.kind, "reason": self.reason, "at": self.at}
        for name in ("event_id", "event_type", "nominator"):
            found = getattr(self, name)
            if found is not None:
                value[name] = found
        return value


@dataclass(frozen=True, slots=True)
class ListPatient:
    """Put a patient on an MDT's list (or add to their open case)."""

    patient: NhsNumber
    source: ListingSource
    urgency: Urgency
    question: str | None = None
    for_discussion: bool = True
    risk: float | None = None


@dataclass(frozen=True, slots=True)
class ScheduleMeetings:
    first_start: datetime
    count: int
    interval_months: int
    duration_minutes: int
    minutes_per_case: float


@dataclass(frozen=True, slots=True)
class Action:
    description: str
    owner_kind: OwnerKind
    due_on: date
    owner_reference: str | None = None
    owner_display: str | None = None
    owner_organisation: str | None = None

    @property
    def needs_acknowledgement(self) -> bool:
        """An action for a GP practice (an organisation by ODS code) must be acknowledged
        by it: the issue's "the loop closes" rule."""
        return self.owner_organisation is not None


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    outcome: DiscussionOutcome
    summary: str | None
    minutes_spent: float | None
    plan_reviewed: bool
    decisions: tuple[str, ...] = ()
    actions: tuple[Action, ...] = field(default_factory=tuple)

    def refusal(self, today: date) -> str | None:
        """Why this outcome cannot be recorded as given, or None.

        Actions come out of a discussion: a deferred or undiscussed case has none yet.
        An action already overdue when it is given would escalate at once."""
        if self.actions and self.outcome != "discussed":
            return "Only a discussed case can have actions"
        if any(action.due_on < today for action in self.actions):
            return "An action cannot be due before today"
        return None
