"""What every referrals handler needs besides its unit of work.

Built once per process from settings (by the service definition), never at import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from referrals.domain.clock import WorkingCalendar, england_and_wales


@dataclass(frozen=True, slots=True)
class Referrals:
    calendar: WorkingCalendar = field(default_factory=england_and_wales)
    imminent_working_days: int = 1
    """Raise breach-imminent this many working days before a response is due."""
    max_attachment_bytes: int = 512 * 1024
    advice_call_minutes: int = 60
    """How long recording an advice call opens the paramedic's access to the patient."""
    advice_calls_per_hour: int = 10
    """How many advice calls one paramedic may record in an hour (429 beyond)."""
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    """The clock (tests pin it to a date such as the Thursday before Easter)."""
