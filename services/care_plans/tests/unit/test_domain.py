"""Pure rules: risk stratification, review intervals, target bands, assignment checks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from care_plans.domain.care_plan import add_months, next_review_due
from care_plans.domain.coordination import (
    Assignment,
    AssignmentRejected,
    Coordinator,
    check_assignment,
)
from care_plans.domain.measures import INDICATORS, band_of
from care_plans.domain.register import RiskInputs, age_on, cohort_changes, stratify
from care_plans.service.plan_fhir import end_of_life, facts_of


def test_score_adds_conditions_age_frailty_end_of_life_and_recent_requests() -> None:
    inputs = RiskInputs(
        frozenset({"73211009", "195967001", "248279007"}), age=80, recent_requests=5
    )
    result = stratify(inputs)
    assert result.cohorts == ("long-term-condition", "frailty")
    assert result.risk_score == 2 + 2 + 3 + 2
    assert result.six_monthly_review


def test_no_conditions_means_no_cohort_and_yearly_review() -> None:
    result = stratify(RiskInputs(frozenset(), age=40, recent_requests=0))
    assert (result.cohorts, result.risk_score, result.six_monthly_review) == ((), 0, False)


def test_age_counts_birthdays() -> None:
    assert age_on(date(1950, 6, 2), date(2026, 6, 1)) == 75
    assert age_on(date(1950, 6, 1), date(2026, 6, 1)) == 76
    assert age_on(None, date(2026, 6, 1)) is None


def test_cohort_changes_report_entered_and_left() -> None:
    assert cohort_changes(["frailty"], ["long-term-condition"]) == (
        ("long-term-condition",),
        ("frailty",),
    )


def test_review_is_six_months_for_diabetes_or_copd_and_twelve_otherwise() -> None:
    assert next_review_due(date(2026, 8, 31), six_monthly=True) == date(2027, 2, 28)
    assert next_review_due(date(2026, 1, 15), six_monthly=False) == date(2027, 1, 15)
    assert next_review_due(None, six_monthly=False) is None
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("numerator", "band"), [(84, "below"), (85, "within"), (95, "within"), (96, "above")]
)
def test_bands_are_inclusive(numerator: int, band: str) -> None:
    assert band_of(INDICATORS["G2"], numerator, 100) == band
    assert band_of(INDICATORS["G2"], 0, 0) == "no-data"


def test_cover_must_end_and_periods_run_forwards() -> None:
    who = Coordinator("PractitionerRole/x", None, "123", None)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(AssignmentRejected):
        check_assignment(Assignment(who, "key-worker", start, None, True, "leave"))
    with pytest.raises(AssignmentRejected):
        check_assignment(Assignment(who, "key-worker", start, start, False, "x"))
    check_assignment(Assignment(who, "key-worker", start, None, False, "new"))


def test_plan_facts_and_end_of_life_are_read_from_extensions() -> None:
    plan = {
        "status": "active",
        "period": {"start": "2026-01-05"},
        "goal": [{"reference": "Goal/1"}],
    }
    facts = facts_of(plan)
    assert (facts.active, facts.comprehensive, facts.goal_count) == (True, False, 1)
    assert facts.last_reviewed == date(2026, 1, 5)
    assert end_of_life(plan) is None
