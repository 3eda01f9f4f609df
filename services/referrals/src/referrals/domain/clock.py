"""The response clock: due dates in working days, paused while the referrer has the turn.

Response targets are per service in working days, skipping weekends and England and
Wales bank holidays (DOMAIN.md, "Response targets"). The submission day itself is
not counted: a request sent on any day is due by the end of the Nth working day
after it. While the provider waits for information from the referrer the clock is
paused, and the due date moves on by the working days the pause covered. Pure
functions over dates; the caller supplies the bank holidays.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import holidays

__all__ = [
    "WorkingCalendar",
    "end_of_day",
    "england_and_wales",
]


@cache
def _bank_holidays() -> Container[date]:
    return holidays.country_holidays("GB", subdiv="ENG")


def england_and_wales() -> WorkingCalendar:
    """The calendar of England and Wales: Monday to Friday, less bank holidays."""
    return WorkingCalendar(_bank_holidays().__contains__)


def end_of_day(day: date) -> datetime:
    """The last second of `day` (UTC): a due date is "by the end of that working day"."""
    return datetime.combine(day, time(23, 59, 59), UTC)


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    is_holiday: Callable[[date], bool]

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self.is_holiday(day)

    def add_working_days(self, start: date, days: int) -> date:
        """The Nth working day after `start` (`start` itself never counts)."""
        day, remaining = start, days
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how far `end` is past `start`."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def due(self, submitted: datetime, working_days: int) -> datetime:
        return end_of_day(self.add_working_days(submitted.astimezone(UTC).date(), working_days))

    def resume(self, due: datetime, paused: datetime, resumed: datetime) -> datetime:
        """The due date after a pause from `paused` to `resumed` (working days added back)."""
        lost = self.working_days_between(
            paused.astimezone(UTC).date(), resumed.astimezone(UTC).date()
        )
        return end_of_day(self.add_working_days(due.astimezone(UTC).date(), lost))

    def before(self, due: datetime, working_days: int) -> datetime:
        """When only `working_days` working days are left before `due` (the warning time):
        the end of the Nth working day before `due`'s day."""
        day, remaining = due.astimezone(UTC).date(), working_days
        while remaining > 0:
            day -= timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return end_of_day(day)
