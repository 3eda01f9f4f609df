"""Who is on call on an advice line at a given moment, and in what order to ring them.

Advice-line services ring each on-call specialist for about 20 seconds before trying
the next (DOMAIN.md, "Paramedic advice lines"), so the answer is an ordered list.
Each on-call PractitionerRole carries its hours as FHIR `availableTime` (days of the
week, local start and end; an end before the start runs past midnight; no times at
all means round the clock) and its place in the ringing order. Times are local
(Europe/London), as rotas are written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

__all__ = ["OnCall", "Window", "covers", "ringing_order"]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Window:
    days: frozenset[str]
    start: time | None
    end: time | None
    all_day: bool = False


@dataclass(frozen=True, slots=True)
class OnCall:
    key: str
    rank: int
    windows: tuple[Window, ...]


def covers(window: Window, local: datetime) -> bool:
    today, yesterday = _DAYS[local.weekday()], _DAYS[(local.weekday() - 1) % 7]
    now = local.time()
    if window.all_day or (window.start is None and window.end is None):
        return not window.days or today in window.days
    start, end = window.start or time(0), window.end or time(23, 59, 59, 999999)
    if start <= end:
        return (not window.days or today in window.days) and start <= now < end
    # Overnight: from `start` on a listed day until `end` the next morning.
    evening = (not window.days or today in window.days) and now >= start
    morning = (not window.days or yesterday in window.days) and now < end
    return evening or morning


def ringing_order(rota: Sequence[OnCall], local: datetime) -> list[OnCall]:
    """Everyone on call at `local` (rota with no windows: always on call), first to ring first."""
    on = [c for c in rota if not c.windows or any(covers(w, local) for w in c.windows)]
    return sorted(on, key=lambda c: (c.rank, c.key))
