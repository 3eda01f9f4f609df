"""A case, an action and what the MDT knows of a patient, as the service decides with them.

A case is one patient's place in one MDT's queue (one open case per patient per MDT);
an action is what a discussion asked someone to do, by when; a known patient is what
other services' events told this one (practice, risk, cohorts, plan review date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from mdt.domain.model import CaseId, QueuedCase, Urgency


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    mdt_id: str
    patient_nhs: str
    meeting_id: str | None
    state: str
    open: bool
    urgency: str
    risk: float
    for_discussion: bool
    listed_at: datetime
    nominators: tuple[str, ...]
    sources: tuple[dict[str, Any], ...]
    """Each nomination or rule that listed the patient (`ListingSource.as_json`)."""

    def queued(self) -> QueuedCase:
        return QueuedCase(CaseId(self.id), cast(Urgency, self.urgency), self.risk, self.listed_at)

    def listed_by(self, event_id: str | None) -> bool:
        """Whether the event `event_id` already listed this case (a redelivery)."""
        return event_id is not None and any(s.get("event_id") == event_id for s in self.sources)


@dataclass(frozen=True, slots=True)
class AssignedAction:
    id: str
    """The action Task's id."""
    case_id: str
    patient_nhs: str
    owner_kind: str
    owner_reference: str | None
    owner_display: str | None
    owner_organisation: str | None
    description: str
    due_on: date
    needs_acknowledgement: bool
    state: str
    """`assigned`, `acknowledged` or `completed`."""
    overdue_at: datetime | None = None

    def is_late(self, today: date) -> bool:
        """Past due, and neither done nor (if it must be) acknowledged."""
        if self.due_on >= today:
            return False
        if self.state == "assigned":
            return True
        return self.state == "acknowledged" and not self.needs_acknowledgement

    def is_overdue(self, today: date) -> bool:
        """Late and not escalated yet: the escalation job's next work."""
        return self.overdue_at is None and self.is_late(today)


@dataclass(frozen=True, slots=True)
class KnownPatient:
    patient_nhs: str
    practice: str | None = None
    risk_score: float | None = None
    cohorts: tuple[str, ...] = ()
    review_due_on: date | None = None
