"""The restart schedule: exponential backoff with a cap, reset by a stable run, and a
crash loop called out after repeated exits, all on times passed in (no waiting)."""

from __future__ import annotations

import pytest

from carecoord_devstack.restarts import (
    RestartPolicy,
    RestartTracker,
    backoff_delay,
    in_crash_loop,
)

POLICY = RestartPolicy()  # 1 s doubling to 30 s; stable after 60 s; 5 exits in 120 s


def test_backoff_doubles_from_one_second_and_stops_at_the_cap() -> None:
    delays = [backoff_delay(streak, POLICY) for streak in range(1, 9)]

    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


def test_backoff_of_a_very_long_streak_is_the_cap_not_an_overflow() -> None:
    assert backoff_delay(10_000, POLICY) == 30.0


def test_backoff_streaks_count_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        backoff_delay(0, POLICY)


def test_five_exits_within_two_minutes_are_a_crash_loop() -> None:
    exits = [0.0, 10.0, 20.0, 40.0, 100.0]

    assert in_crash_loop(exits, now=110.0, policy=POLICY)
    assert not in_crash_loop(exits[1:], now=110.0, policy=POLICY)
    assert not in_crash_loop(exits, now=125.0, policy=POLICY)  # the first fell out of the window


def _quick_exits(tracker: RestartTracker, times: int, after: float) -> tuple[list[float], float]:
    """Start at 0 s, then `times` times exit (code 3) `after` seconds into the run and
    restart once the delay asked for has passed: the delays asked for, and the time."""
    now = 0.0
    tracker.started(now, restart=False)
    delays = []
    for _ in range(times):
        now += after
        delays.append(tracker.exited(3, now))
        now += delays[-1]
        tracker.started(now, restart=True)
    return delays, now


def test_quick_exits_back_off_and_a_stable_run_starts_the_schedule_again() -> None:
    tracker = RestartTracker(POLICY)
    delays, now = _quick_exits(tracker, 3, after=0.5)

    now += 61.0  # then stays up for over a minute before exiting again
    after_stable_run = tracker.exited(1, now)

    assert delays == [1.0, 2.0, 4.0]
    assert after_stable_run == 1.0
    assert (tracker.restarts, tracker.last_exit_code, tracker.started_at) == (3, 1, None)


def test_a_crash_loop_is_retried_at_the_cap_and_ends_once_the_exits_age_out() -> None:
    tracker = RestartTracker(POLICY)
    delays, now = _quick_exits(tracker, 5, after=0.1)

    assert delays == [1.0, 2.0, 4.0, 8.0, 30.0]  # the fifth exit makes it a loop: the cap
    assert tracker.crash_loop(now)
    assert not tracker.crash_loop(now + POLICY.loop_window)
