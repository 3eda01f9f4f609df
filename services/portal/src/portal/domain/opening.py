"""Whether a service is open at a moment, and when it next opens.

A route is only safe if the patient can use it now, or is told what to do until it
opens (hazard H3, routed to a closed service). Hours are the directory's, in the rule
set's local time zone, as `HH:MM-HH:MM` ranges per weekday, or `always`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "DAYS",
    "Hours",
    "Service",
    "Session",
    "open_in_group",
    "parse_directory",
    "parse_hours",
]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Session:
    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class Hours:
    always: bool
    week: Mapping[int, tuple[Session, ...]]
    """Weekday (0 = Monday) to its opening sessions."""

    def open_at(self, moment: datetime, zone: ZoneInfo) -> bool:
        if self.always:
            return True
        local = moment.astimezone(zone)
        clock = local.time().replace(tzinfo=None)
        return any(s.opens <= clock < s.closes for s in self.week.get(local.weekday(), ()))

    def next_opening(self, moment: datetime, zone: ZoneInfo) -> datetime | None:
        """The next time it opens after `moment` (None: always open, or never)."""
        if self.always:
            return None
        local = moment.astimezone(zone)
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            for session in self.week.get(day.weekday(), ()):
                start = datetime.combine(day, session.opens, zone)
                if start > local:
                    return start
        return None


@dataclass(frozen=True, slots=True)
class Service:
    key: str
    name: str
    phone: str | None
    url: str | None
    hours: Hours
    group: str | None = None
    """Services of one group stand in for each other (the demo pharmacies)."""


def open_in_group(
    services: Mapping[str, Service], chosen: Service, moment: datetime, zone: ZoneInfo
) -> Service:
    """`chosen` if it is open at `moment`, else the first open service of its group
    in directory order (hazard H3), else `chosen` (the page says when it opens)."""
    if chosen.group is None or chosen.hours.open_at(moment, zone):
        return chosen
    return next(
        (s for s in services.values() if s.group == chosen.group and s.hours.open_at(moment, zone)),
        chosen,
    )


def _session(text: str) -> Session:
    opens, _, closes = text.partition("-")
    session = Session(time.fromisoformat(opens.strip()), time.fromisoformat(closes.strip()))
    if session.opens >= session.closes:
        raise ValueError(f"{text!r} closes before it opens")
    return session


def parse_hours(value: object) -> Hours:
    """`always`, or weekday to `HH:MM-HH:MM` ranges (ValueError saying what is wrong)."""
    if value == "always":
        return Hours(True, {})
    if not isinstance(value, Mapping):
        raise ValueError("hours must be 'always' or a mapping of weekdays")
    week: dict[int, tuple[Session, ...]] = {}
    for day, ranges in value.items():
        if day not in DAYS or not isinstance(ranges, Sequence) or isinstance(ranges, str):
            raise ValueError(f"hours for {day!r} must be a weekday with a list of ranges")
        week[DAYS.index(day)] = tuple(_session(str(r)) for r in ranges)
    return Hours(False, week)


def parse_directory(data: Mapping[str, object]) -> dict[str, Service]:
    """The directory file's services by key (ValueError naming the first bad one)."""
    services: dict[str, Service] = {}
    entries = data.get("services")
    for entry in entries if isinstance(entries, list) else []:
        key, name = entry.get("key"), entry.get("name")
        if not isinstance(key, str) or not isinstance(name, str) or key in services:
            raise ValueError(f"directory service {key!r} needs a unique key and a name")
        try:
            hours = parse_hours(entry.get("hours"))
        except ValueError as error:
            raise ValueError(f"directory service {key}: {error}") from None
        group = entry.get("group")
        services[key] = Service(
            key,
            name,
            entry.get("phone"),
            entry.get("url"),
            hours,
            group if isinstance(group, str) else None,
        )
    if not services:
        raise ValueError("the directory lists no services")
    return services
