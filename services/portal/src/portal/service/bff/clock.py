"""The breach clock in words a triage clinician reads at a glance.

A request's response is due at the end of a working day (referrals' response clock,
NHS England's A&G targets in DOMAIN.md). The worklist shows that plainly: "Overdue",
"Due today", "Breach imminent" (due on the next working day: referrals' own warning
is one working day ahead, REFERRALS_BREACH_WARNING_WORKING_DAYS) or the due date. The
next working day here skips weekends only; bank holidays move the due date itself,
which referrals has already done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = ["BreachClock", "breach_clock", "parse_instant"]

LONDON = ZoneInfo("Europe/London")
Urgency = Literal["overdue", "due-today", "imminent", "on-time", "paused", "none"]
_TAG = {
    "overdue": "nhsuk-tag--red",
    "due-today": "nhsuk-tag--orange",
    "imminent": "nhsuk-tag--yellow",
    "on-time": "nhsuk-tag--green",
    "paused": "nhsuk-tag--grey",
    "none": "nhsuk-tag--grey",
}


@dataclass(frozen=True, slots=True)
class BreachClock:
    urgency: Urgency
    label: str
    due_text: str

    @property
    def tag_class(self) -> str:
        return _TAG[self.urgency]


def parse_instant(text: object) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def day_text(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def breach_clock(
    due: datetime | None, now: datetime, *, paused: bool = False, responded: bool = False
) -> BreachClock:
    """How `due` reads at `now` (London dates); a paused clock waits on the referrer, a
    responded request's clock has stopped for good."""
    if responded:
        return BreachClock("none", "Responded", "")
    if due is None:
        return BreachClock("none", "No due date", "")
    due_day, today = due.astimezone(LONDON).date(), now.astimezone(LONDON).date()
    text = day_text(due_day)
    if paused:
        return BreachClock("paused", "Clock paused", text)
    if due <= now or due_day < today:
        days = (today - due_day).days
        label = f"Overdue by {days} day{'s' * (days != 1)}" if days else "Overdue"
        return BreachClock("overdue", label, text)
    if due_day == today:
        return BreachClock("due-today", "Due today", text)
    if due_day <= _next_working_day(today):
        return BreachClock("imminent", "Breach imminent", text)
    return BreachClock("on-time", "On time", text)
