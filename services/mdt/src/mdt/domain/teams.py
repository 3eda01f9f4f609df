"""An MDT as the service decides with it: its kind, practices, members and meetings.

Plain values: the CareTeam mapping (`mdt.fhir.team`) produces them, the store keeps
them, and the membership checks and the listing rules read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    kind: str
    """`locality` or `nursing-home`."""
    locality: str | None
    practices: tuple[str, ...]
    """ODS codes of the practices it serves."""
    active: bool


@dataclass(frozen=True, slots=True)
class Member:
    user_id: str
    """SDS user id."""
    membership: str
    """`core` or `extended`."""
    chair: bool


@dataclass(frozen=True, slots=True)
class Meeting:
    id: str
    """The Appointment's id."""
    mdt_id: str
    starts_at: datetime
    duration_minutes: int
    minutes_per_case: float
    list_id: str | None
    status: str
    """`booked` or `held`."""
