"""`run_until_stopped`: the relay's and the consumers' loop starts a failed session over,
waiting longer after each failure in a row, and ends as soon as it is stopped."""

from __future__ import annotations

import asyncio

from carecoord_shared.events.backoff import Backoff, run_until_stopped

PACE = Backoff(initial_s=0.001, multiplier=2.0, max_s=0.004)


async def test_failures_in_a_row_wait_longer_and_a_clean_session_starts_the_count_again() -> None:
    stopping = asyncio.Event()
    outcomes = iter(["fail", "fail", "fail", "fail", "clean", "fail", "stop"])
    waits: list[tuple[str, float]] = []

    async def session() -> None:
        outcome = next(outcomes)
        if outcome == "stop":
            stopping.set()
        elif outcome == "fail":
            raise ConnectionError("the broker went away")

    def failed(error: Exception, delay: float) -> None:
        waits.append((type(error).__name__, delay))

    await asyncio.wait_for(run_until_stopped(session, stopping, PACE, failed), timeout=5)

    assert waits == [
        ("ConnectionError", 0.001),
        ("ConnectionError", 0.002),
        ("ConnectionError", 0.004),
        ("ConnectionError", 0.004),
        ("ConnectionError", 0.001),
    ]


async def test_a_stop_during_the_wait_ends_the_loop_at_once() -> None:
    stopping = asyncio.Event()
    attempts = 0

    async def session() -> None:
        nonlocal attempts
        attempts += 1
        raise OSError("database down")

    def failed(error: Exception, delay: float) -> None:
        stopping.set()  # asked to stop while it would wait an hour

    hour = Backoff(initial_s=3600.0, max_s=3600.0)
    await asyncio.wait_for(run_until_stopped(session, stopping, hour, failed), timeout=5)
    assert attempts == 1


async def test_a_session_that_ran_healthily_before_failing_waits_the_first_delay_again() -> None:
    """A consumer's session only ends by failing: one broker outage a day must not leave
    every later reconnect waiting the longest delay."""
    stopping = asyncio.Event()
    outcomes = iter(["fail", "fail", "fail", "ran-long-then-fail", "fail", "stop"])
    waits: list[float] = []
    pace = Backoff(initial_s=0.001, multiplier=2.0, max_s=0.004, healthy_after_s=0.05)

    async def session() -> None:
        outcome = next(outcomes)
        if outcome == "stop":
            stopping.set()
            return
        if outcome == "ran-long-then-fail":
            await asyncio.sleep(0.06)
        raise ConnectionError("the broker went away")

    def failed(error: Exception, delay: float) -> None:
        waits.append(delay)

    await asyncio.wait_for(run_until_stopped(session, stopping, pace, failed), timeout=5)

    assert waits == [0.001, 0.002, 0.004, 0.001, 0.002]
