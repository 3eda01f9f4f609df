"""The review schedule: 6-monthly for diabetes or COPD, otherwise yearly (QOF, G1)."""

from __future__ import annotations

from datetime import date

from care_plans.domain.care_plan import add_months, next_review_due


def test_review_is_six_months_for_diabetes_or_copd_and_twelve_otherwise() -> None:
    assert next_review_due(date(2026, 8, 31), six_monthly=True) == date(2027, 2, 28)
    assert next_review_due(date(2026, 1, 15), six_monthly=False) == date(2027, 1, 15)
    assert next_review_due(None, six_monthly=False) is None
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
