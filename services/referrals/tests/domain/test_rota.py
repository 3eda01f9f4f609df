"""Who is on call when: day, overnight and round-the-clock windows, in ringing order."""

from __future__ import annotations

from datetime import datetime, time

from referrals.domain.rota import OnCall, Window, ringing_order

WEEKDAYS = frozenset({"mon", "tue", "wed", "thu", "fri"})
DAY = OnCall("day", 1, (Window(WEEKDAYS, time(8), time(18)),))
NIGHT = OnCall("night", 1, (Window(frozenset({"fri"}), time(18), time(8)),))
ALWAYS = OnCall("always", 2, ())


def _order(when: datetime) -> list[str]:
    return [c.key for c in ringing_order([ALWAYS, NIGHT, DAY], when)]


def test_the_day_rota_is_rung_first_in_the_day() -> None:
    assert _order(datetime(2026, 6, 12, 9, 0)) == ["day", "always"]  # a Friday


def test_an_overnight_window_runs_into_the_next_morning() -> None:
    assert _order(datetime(2026, 6, 12, 23, 0)) == ["night", "always"]
    assert _order(datetime(2026, 6, 13, 7, 59)) == ["night", "always"]  # Saturday morning
    assert _order(datetime(2026, 6, 13, 8, 0)) == ["always"]


def test_the_end_of_a_window_is_not_in_it() -> None:
    assert _order(datetime(2026, 6, 12, 18, 0)) == ["night", "always"]
