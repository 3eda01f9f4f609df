"""Retry pacing shared by the relay and the consumers, and a sleep that `stop()` can cut short.

Both workers wait between attempts (a failed batch, a failed handler, an idle poll);
each wait must end at once when the worker is asked to stop, so shutdown never waits
for a backoff to run out. Both also run one loop, `run_until_stopped`, that starts a
failed session over (a relay's lock and connection, a consumer's clients) after its
wait, however often the database or broker goes away. `is_outage` tells a lost
connection (wait it out, however long) from a fault of the work itself (retry a few
times, then give up on it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from carecoord_shared.db import is_database_outage


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff: `initial_s`, then times `multiplier`, capped at `max_s`."""

    initial_s: float = 0.2
    multiplier: float = 2.0
    max_s: float = 10.0
    healthy_after_s: float = 60.0
    """A session that ran this long before it failed was healthy: the wait after its
    failure is the first again, not the next of failures days apart."""

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1 = the first)."""
        exponent = min(max(attempt - 1, 0), 32)
        return float(min(self.max_s, self.initial_s * self.multiplier**exponent))


async def sleep_unless(stopping: asyncio.Event, seconds: float) -> bool:
    """Sleep up to `seconds`; return True (early) if `stopping` is set."""
    if seconds > 0 and not stopping.is_set():
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await stopping.wait()
    return stopping.is_set()


async def run_until_stopped(
    attempt: Callable[[], Awaitable[None]],
    stopping: asyncio.Event,
    backoff: Backoff,
    failed: Callable[[Exception, float], None],
) -> None:
    """Run `attempt` again and again until `stopping` is set, never giving up: after a
    failure, `failed(error, delay)` (liveness, a log line) and a wait of `delay`, longer
    after each failure in a row and back to the first once an attempt ends cleanly or
    had run for `backoff.healthy_after_s` (a consumer's session only ends by failing)."""
    stopping.clear()
    failures = 0
    clock = asyncio.get_running_loop().time
    while not stopping.is_set():
        started = clock()
        try:
            await attempt()
        except Exception as exc:  # any failure: the attempt dropped its clients, start over
            healthy = clock() - started >= backoff.healthy_after_s
            failures = 1 if healthy else failures + 1
            delay = backoff.delay(failures)
            failed(exc, delay)
            await sleep_unless(stopping, delay)
        else:
            failures = 0


def is_outage(exc: BaseException) -> bool:
    """A connection-level failure: the database or network, not the work, is at fault."""
    return is_database_outage(exc)
