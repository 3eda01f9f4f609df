"""The pure decisions: ordering, capacity, schedule arithmetic, checklist and rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from carecoord_shared.calendar import add_months
from mdt.domain import rules
from mdt.domain.model import (
    CaseId,
    Checklist,
    QueuedCase,
    capacity,
    care_plan_current,
    plan_case_list,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def case(name: str, urgency: str, risk: float, waited_days: int) -> QueuedCase:
    return QueuedCase(CaseId(name), urgency, risk, T0 - timedelta(days=waited_days))  # type: ignore[arg-type]


def test_urgency_then_risk_then_waiting_time() -> None:
    cases = [
        case("old-routine", "routine", 10, 30),
        case("risky-routine", "routine", 90, 1),
        case("urgent", "urgent", 0, 0),
        case("soon", "soon", 0, 0),
        case("new-routine", "routine", 10, 2),
    ]
    plan = plan_case_list(cases, 3)
    assert [c.id for c in plan.listed] == ["urgent", "soon", "risky-routine"]
    assert [c.id for c in plan.overflow] == ["old-routine", "new-routine"]


@pytest.mark.parametrize(
    ("minutes", "per_case", "places"), [(90, 3.2, 28), (30, 10, 3), (10, 60, 1), (96, 3.2, 30)]
)
def test_capacity_counts_whole_cases(minutes: int, per_case: float, places: int) -> None:
    assert capacity(minutes, per_case) == places


def test_monthly_schedule_keeps_the_day_or_the_months_last() -> None:
    assert add_months(datetime(2026, 1, 31, 9, tzinfo=UTC), 1).date() == date(2026, 2, 28)
    assert add_months(datetime(2026, 11, 15, 9, tzinfo=UTC), 2).date() == date(2027, 1, 15)


def test_checklist_names_what_is_missing() -> None:
    checklist = Checklist(True, False, True)
    assert not checklist.ready
    assert checklist.missing() == ["care-plan-current"]
    assert not care_plan_current(None, date(2026, 1, 1))
    assert care_plan_current(date(2026, 2, 1), date(2026, 1, 1))


def test_rules_fire_only_on_their_conditions() -> None:
    assert rules.triage_requested({"mdtDiscussionRequested": False}) is None
    assert rules.triage_requested({"mdtDiscussionRequested": True}) is not None
    assert rules.cohort_entered({"entered": ["long-term-condition"]}) is None
    end_of_life = rules.cohort_entered({"entered": ["end-of-life"]})
    assert end_of_life is not None
    assert end_of_life.urgency == "soon"
    assert rules.repeated_advice(2, 3, 90) is None
    assert rules.repeated_advice(3, 3, 90) is not None
    assert rules.conveyance_avoided({"outcome": "conveyed", "followUpNeeded": True}) is None
    assert rules.conveyance_avoided({"outcome": "not-conveyed", "followUpNeeded": True})
    assert rules.is_advice_request({"category": ["advice-and-guidance"]})
    assert not rules.is_advice_request({"category": ["referral"], "ubrn": "r.1"})
