"""Cohorts and the risk score: the additive rule of `domain.register`."""

from __future__ import annotations

from datetime import date

from care_plans.domain.register import RiskInputs, age_on, cohort_changes, stratify


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
