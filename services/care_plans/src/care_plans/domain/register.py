"""Cohorts and risk stratification of the patient register: pure rules, no I/O.

DOMAIN.md names the cohorts that risk stratification produces (long-term condition,
frailty, end of life). The score is a deliberately simple, documented additive one
so a GP can see why a patient scores what they do; an external score (eFI, a
commissioned model) may replace it by writing the same inputs:

- 1 point per distinct active long-term condition (at most 4);
- age: 65-74 adds 1, 75-84 adds 2, 85 and over adds 3;
- frailty adds 2; end of life adds 3;
- advice & guidance or referral activity in the last 12 months: 1 point per
  request (at most 3), from the `referral_activity` projection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from care_plans.domain.codes import END_OF_LIFE, FRAILTY, LONG_TERM_CONDITIONS, SIX_MONTHLY_REVIEW

LTC = "long-term-condition"
FRAILTY_COHORT = "frailty"
END_OF_LIFE_COHORT = "end-of-life"
COHORT_ORDER = (LTC, FRAILTY_COHORT, END_OF_LIFE_COHORT)


@dataclass(frozen=True, slots=True)
class RiskInputs:
    """What the score is made of, shown beside it."""

    condition_codes: frozenset[str]
    age: int | None
    recent_requests: int


@dataclass(frozen=True, slots=True)
class Stratification:
    cohorts: tuple[str, ...]
    risk_score: int
    six_monthly_review: bool
    inputs: RiskInputs


def age_on(birth_date: date | None, today: date) -> int | None:
    if birth_date is None:
        return None
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - int(before_birthday)


def _age_points(age: int | None) -> int:
    if age is None or age < 65:
        return 0
    if age < 75:
        return 1
    return 2 if age < 85 else 3


def stratify(inputs: RiskInputs) -> Stratification:
    codes = inputs.condition_codes
    ltcs = codes & LONG_TERM_CONDITIONS
    flags = {
        LTC: bool(ltcs),
        FRAILTY_COHORT: bool(codes & FRAILTY),
        END_OF_LIFE_COHORT: bool(codes & END_OF_LIFE),
    }
    score = min(len(ltcs), 4) + _age_points(inputs.age) + min(inputs.recent_requests, 3)
    score += 2 * flags[FRAILTY_COHORT] + 3 * flags[END_OF_LIFE_COHORT]
    return Stratification(
        cohorts=tuple(c for c in COHORT_ORDER if flags[c]),
        risk_score=score,
        six_monthly_review=bool(codes & SIX_MONTHLY_REVIEW),
        inputs=inputs,
    )


def cohort_changes(
    before: Iterable[str], after: Iterable[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(entered, left), each in the canonical cohort order."""
    old, new = set(before), set(after)
    return (
        tuple(c for c in COHORT_ORDER if c in new - old),
        tuple(c for c in COHORT_ORDER if c in old - new),
    )


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """One patient on the register, as the rules and worklists see them."""

    nhs_number: str
    patient_id: str
    practice: str | None
    locality: str | None
    birth_date: date | None
    cohorts: tuple[str, ...] = ()
    risk_score: int = 0
    six_monthly_review: bool = False
