"""Reading this service's operation arguments into domain values.

The kernel has already checked each parameter's FHIR type and cardinality from the
operation's declaration; what is left are this service's own limits (lengths, full
dates rather than partial ones) and conversions. A mistake answers 400 naming the
parameter the kernel's way (`parameter_path`).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from care_plans.domain.areas import Area
from carecoord_shared.fhir.operations import Arguments, parameter_path
from carecoord_shared.fhir.outcome import bad_request

_SUBJECT = re.compile(r"(Organization|Location)/([A-Za-z0-9\-.]{1,64})")


def text(arguments: Arguments, name: str, limit: int = 64) -> str | None:
    """A string argument of at most `limit` characters (R4 already refuses empty ones)."""
    value = arguments.text(name)
    if value is not None and (not value.strip() or len(value) > limit):
        raise bad_request(f"{name} must be 1-{limit} characters", (parameter_path(name),))
    return value


def area_of(arguments: Arguments) -> Area:
    """Whose patients: `practice` (ODS code) and/or `locality`, or everyone."""
    return Area(text(arguments, "practice"), text(arguments, "locality"))


def day(arguments: Arguments, name: str) -> date | None:
    """A full date (R4 also allows `2026` and `2026-01`, which say no day)."""
    value = arguments.text(name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise bad_request(f"{name} must be a date (YYYY-MM-DD)", (parameter_path(name),)) from None


def moment(value: str, name: str) -> datetime:
    """A FHIR date (midnight UTC) or dateTime (R4 requires its time zone) as an aware
    datetime; partial dates say no moment and are refused."""
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise bad_request(
            f"{name} must be a date or a dateTime with a time zone", (parameter_path(name),)
        )
    return parsed


def subject_area(arguments: Arguments) -> Area:
    """`subject` of an indicator: `Organization/{ODS}` (a practice), `Location/{locality}`,
    or absent (the whole system)."""
    subject = arguments.text("subject")
    if subject is None:
        return Area()
    match = _SUBJECT.fullmatch(subject)
    if match is None:
        where = (parameter_path("subject"),)
        raise bad_request("subject must be Organization/{ODS} or Location/{locality}", where)
    kind, value = match.groups()
    return Area(practice=value) if kind == "Organization" else Area(locality=value)


def period(arguments: Arguments) -> tuple[date, date]:
    """`periodStart`..`periodEnd`, both required full dates, in order."""
    start, end = day(arguments, "periodStart"), day(arguments, "periodEnd")
    if start is None or end is None:
        missing = "periodStart" if start is None else "periodEnd"
        raise bad_request(f"{missing} is required", (parameter_path(missing),), "required")
    if end < start:
        raise bad_request("periodEnd is before periodStart", (parameter_path("periodEnd"),))
    return start, end
