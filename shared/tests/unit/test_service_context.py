"""`ServiceContext`: a service's settings and its clock, which tests pin."""

from __future__ import annotations

from datetime import UTC, date, datetime

from carecoord_shared.service import ServiceContext
from carecoord_shared.settings import ServiceSettings

PINNED = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)


def test_now_and_today_come_from_the_pinned_clock() -> None:
    context = ServiceContext(ServiceSettings(environment="test"), lambda: PINNED)
    assert context.now() == PINNED
    assert context.today() == date(2026, 3, 31)


def test_without_a_clock_now_is_the_real_time_in_utc() -> None:
    before = datetime.now(UTC)
    now = ServiceContext(ServiceSettings(environment="test")).now()
    assert before <= now <= datetime.now(UTC)
    assert now.tzinfo is UTC
