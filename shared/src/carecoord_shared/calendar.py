"""Calendar arithmetic the services share, with no I/O so domain code may import it.

Review schedules (care plans) and recurring meetings (MDT) both step a date by whole
months. The standard library has no month step, and a naive one fails on the 31st;
one rule, clamping to the last day of a shorter month, keeps every schedule agreeing.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import TypeVar

__all__ = ["add_months"]

Day = TypeVar("Day", bound=date)


def add_months(day: Day, months: int) -> Day:
    """The same day `months` later (or earlier, if negative), clamped to the end of a
    shorter month: 31 January plus one month is 28 or 29 February.

    A `datetime` keeps its time of day and time zone.
    """
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last_day))
