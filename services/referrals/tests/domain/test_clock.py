"""The response clock in working days, across weekends and England and Wales bank holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from referrals.domain.clock import end_of_day, england_and_wales

CALENDAR = england_and_wales()
THURSDAY_BEFORE_EASTER = datetime(2026, 4, 2, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("days", "due_on"),
    [
        (1, date(2026, 4, 7)),  # Good Friday, the weekend and Easter Monday do not count
        (2, date(2026, 4, 8)),
        (5, date(2026, 4, 13)),
        (10, date(2026, 4, 20)),
    ],
)
def test_a_request_on_the_thursday_before_easter_skips_the_bank_holidays(
    days: int, due_on: date
) -> None:
    assert CALENDAR.due(THURSDAY_BEFORE_EASTER, days) == end_of_day(due_on)


def test_a_request_sent_at_the_weekend_counts_from_the_next_working_day() -> None:
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)

    assert CALENDAR.due(saturday, 1) == end_of_day(date(2026, 3, 9))


def test_a_pause_moves_the_due_date_by_the_working_days_it_covered() -> None:
    due = end_of_day(date(2026, 4, 13))
    paused = datetime(2026, 4, 7, 9, tzinfo=UTC)  # Tuesday after Easter
    resumed = datetime(2026, 4, 10, 9, tzinfo=UTC)  # Friday: Wed, Thu, Fri lost

    assert CALENDAR.resume(due, paused, resumed) == end_of_day(date(2026, 4, 16))


def test_a_pause_answered_the_same_day_costs_nothing() -> None:
    due = end_of_day(date(2026, 4, 13))
    morning = datetime(2026, 4, 8, 9, tzinfo=UTC)

    assert CALENDAR.resume(due, morning, morning.replace(hour=15)) == due


def test_the_warning_comes_one_working_day_before_the_due_day() -> None:
    due = end_of_day(date(2026, 4, 7))  # Tuesday after Easter Monday

    assert CALENDAR.before(due, 1) == end_of_day(date(2026, 4, 2))


def test_counting_working_days_between_skips_weekends_and_holidays() -> None:
    assert CALENDAR.working_days_between(date(2026, 4, 2), date(2026, 4, 8)) == 2
