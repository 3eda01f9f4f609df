"""`add_months` steps by whole months, clamping to the last day of a shorter month."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from carecoord_shared.calendar import add_months


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 11, 15), 2, date(2027, 1, 15)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2026, 5, 31), -27, date(2024, 2, 29)),
        (date(2026, 5, 20), 0, date(2026, 5, 20)),
    ],
)
def test_a_month_step_lands_on_the_same_day_or_the_last_day_of_a_shorter_month(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


def test_a_datetime_keeps_its_time_of_day_and_zone() -> None:
    plus_one = timezone(timedelta(hours=1))
    moved = add_months(datetime(2026, 1, 31, 9, 30, tzinfo=plus_one), 1)
    assert moved == datetime(2026, 2, 28, 9, 30, tzinfo=plus_one)
    assert moved.tzinfo is plus_one
    in_two_months = add_months(datetime(2026, 11, 15, 9, tzinfo=UTC), 2)
    assert in_two_months == datetime(2027, 1, 15, 9, tzinfo=UTC)
