"""When to restart what exited, and when restarting has become a crash loop.

The supervisor behind `carecoord run` restarts any API, worker, PostgreSQL or Kafka
that goes away. Restarting at once and forever would turn one broken process into a
busy loop that buries the log it should be read from, and waiting too long would
leave a consumer down after a one-off kill. So restarts back off exponentially
(1 s, 2 s, 4 s ... capped at 30 s), the backoff starts again once a process has
stayed up for a minute, and a process that keeps exiting (5 times in 2 minutes)
is called a crash loop: reported loudly, and still retried at the cap, because the
cause (a database that is down, say) may well go away by itself. These are pure
decisions over times passed in by the caller, so they are tested without waiting.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["RestartPolicy", "RestartTracker", "backoff_delay", "in_crash_loop"]


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    first_delay: float = 1.0  # seconds before the first restart of a streak
    max_delay: float = 30.0  # the cap, also the pace of retries in a crash loop
    stable_after: float = 60.0  # up this long, a process starts a new streak when it exits
    loop_exits: int = 5  # this many exits ...
    loop_window: float = 120.0  # ... within this many seconds are a crash loop


def backoff_delay(streak: int, policy: RestartPolicy) -> float:
    """Seconds to wait before restart number `streak` (1-based) of a run of quick exits:
    first_delay, doubling each time, never above max_delay."""
    if streak < 1:
        raise ValueError(f"streak counts from 1, not {streak}")
    doublings = min(streak - 1, 62)  # 2**62 s is past any cap: no float overflow
    return float(min(policy.max_delay, policy.first_delay * 2**doublings))


def in_crash_loop(exit_times: Iterable[float], now: float, policy: RestartPolicy) -> bool:
    """True when at least `loop_exits` of the exits happened within `loop_window` of now."""
    recent = sum(1 for when in exit_times if now - when <= policy.loop_window)
    return recent >= policy.loop_exits


@dataclass
class RestartTracker:
    """The restart history of one component: when it started, how it exited, what next."""

    policy: RestartPolicy = field(default_factory=RestartPolicy)
    restarts: int = 0  # restarts so far (the first start is not one)
    streak: int = 0  # exits in a row without a stable run between them
    last_exit_code: int | None = None
    started_at: float | None = None  # None while it is down
    exit_times: deque[float] = field(default_factory=deque)

    def started(self, now: float, *, restart: bool) -> None:
        self.started_at = now
        self.restarts += 1 if restart else 0

    def exited(self, code: int | None, now: float) -> float:
        """Record an exit (code None: not our child, so unknown); returns the seconds to
        wait before starting it again."""
        if self.started_at is not None and now - self.started_at >= self.policy.stable_after:
            self.streak = 0
        self.streak += 1
        self.last_exit_code = code
        self.started_at = None
        self.exit_times.append(now)
        while len(self.exit_times) > self.policy.loop_exits:
            self.exit_times.popleft()
        if self.crash_loop(now):
            return self.policy.max_delay
        return backoff_delay(self.streak, self.policy)

    def crash_loop(self, now: float) -> bool:
        return in_crash_loop(self.exit_times, now, self.policy)
