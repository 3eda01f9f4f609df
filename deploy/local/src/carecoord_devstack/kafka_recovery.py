"""Telling a Kafka broker that is recovering its logs from one that is stuck.

After an unclean shutdown (kill -9, a crash, a power cut) the broker checks every
partition's unflushed segments before it answers clients. On a loaded 2-core machine
that took longer than the old 90 s readiness limit, and the launcher then stopped the
broker that was still recovering, so the next start had to recover again: it took up
to four attempts to get it back. The broker says what it is doing in its
`server.log` ("Recovering 120 logs from ... since no clean shutdown file was found",
"Recovering unflushed segment ...", "Completed load of ... (37/120 completed in
...)"), so the launcher follows that log while it waits: as long as the process
lives and recovery lines keep coming it keeps waiting (up to a long overall limit),
prints where recovery has got to, and never stops a broker that is still making
progress. The decisions are pure functions of what was seen and when, so they are
tested without a broker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

__all__ = ["LogFollower", "RecoveryWatch", "Verdict", "WaitLimits", "verdict"]

# The broker's own messages while it loads and recovers logs (LogManager, LogLoader,
# UnifiedLog and BrokerLifecycleManager of Kafka 4.x).
PROGRESS = re.compile(
    r"Recovering \d+ logs from|Recovering unflushed segment|Completed load of |"
    r"Loading logs from log dirs|Loaded \d+ logs in|Loading producer state|"
    r"Reloading from producer snapshot|Producer state recovery took|"
    r"Transitioning from STARTING to RECOVERY|The broker is in RECOVERY|"
    r"recovering segment and rebuilding index files|Deleting segments as part of log recovery"
)
COUNTS = re.compile(r"\((\d+)/(\d+) completed in ")
RECOVERING = re.compile(r"Recovering (\d+) logs from .* since no clean shutdown file")


class Verdict(Enum):
    WAIT = "wait"  # not ready yet, keep polling
    DIED = "died"  # the process is gone: give up
    STUCK = "stuck"  # alive, not answering, no recovery progress within the limit
    TOO_LONG = "too long"  # still recovering at the overall limit: give up waiting, leave it


@dataclass(frozen=True, slots=True)
class WaitLimits:
    ready: float = 90.0  # a broker showing no recovery should answer within this
    overall: float = 600.0  # never wait longer than this, even for a recovering broker
    quiet: float = 120.0  # recovery counts as progressing while its last line is this recent


def verdict(
    *, elapsed: float, alive: bool, progress_age: float | None, limits: WaitLimits
) -> Verdict:
    """What to do with a broker that is not answering yet. `progress_age`: seconds since
    its log last showed recovery progress (None: no progress seen while waiting)."""
    if not alive:
        return Verdict.DIED
    recovering = progress_age is not None and progress_age <= limits.quiet
    if elapsed >= limits.overall:
        return Verdict.TOO_LONG if recovering else Verdict.STUCK
    if elapsed >= limits.ready and not recovering:
        return Verdict.STUCK
    return Verdict.WAIT


@dataclass
class LogFollower:
    """The lines appended to a log file since the last call (like `tail -f`, polled);
    starts at the file's current end, and from the top again when the file shrank
    (log4j rolled it over)."""

    path: Path
    offset: int = -1
    _partial: bytes = b""

    def new_lines(self) -> list[str]:
        try:
            size = self.path.stat().st_size
        except OSError:
            return []
        if self.offset < 0 or size < self.offset:
            self.offset, self._partial = (size if self.offset < 0 else 0), b""
        if size == self.offset:
            return []
        with self.path.open("rb") as log:
            log.seek(self.offset)
            chunk = log.read(size - self.offset)
        self.offset += len(chunk)
        *complete, self._partial = (self._partial + chunk).split(b"\n")
        return [line.decode(errors="replace") for line in complete]


@dataclass
class RecoveryWatch:
    """What the broker's log has said about recovery while the launcher waited."""

    last_progress: float | None = None  # when a progress line was last seen
    loaded: int = 0
    total: int = 0
    recovering: int = 0  # logs recovered after an unclean shutdown (0: not said)
    lines: int = 0

    def feed(self, lines: list[str], now: float) -> bool:
        """Take new log lines; True when one of them shows progress."""
        progressed = False
        for line in lines:
            if not PROGRESS.search(line):
                continue
            progressed = True
            self.lines += 1
            if counts := COUNTS.search(line):
                self.loaded, self.total = int(counts[1]), int(counts[2])
            if recovering := RECOVERING.search(line):
                self.recovering = int(recovering[1])
        if progressed:
            self.last_progress = now
        return progressed

    def age(self, now: float) -> float | None:
        return None if self.last_progress is None else now - self.last_progress

    def summary(self) -> str:
        unclean = f"recovering {self.recovering} logs after an unclean shutdown, "
        done = f"{self.loaded}/{self.total} logs loaded" if self.total else "loading logs"
        if self.total and self.loaded >= self.total:
            done += ", finishing start-up"
        return (unclean if self.recovering else "") + done
