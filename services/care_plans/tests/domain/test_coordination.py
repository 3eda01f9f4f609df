"""Assignment rules: cover is bounded, periods run forwards, a reason is given."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from care_plans.domain.coordination import (
    Assignment,
    AssignmentRejected,
    Coordinator,
    check_assignment,
)


def test_cover_must_end_and_periods_run_forwards() -> None:
    who = Coordinator("PractitionerRole/x", None, "123", None)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(AssignmentRejected):
        check_assignment(Assignment(who, "key-worker", start, None, True, "leave"))
    with pytest.raises(AssignmentRejected):
        check_assignment(Assignment(who, "key-worker", start, start, False, "x"))
    check_assignment(Assignment(who, "key-worker", start, None, False, "new"))
