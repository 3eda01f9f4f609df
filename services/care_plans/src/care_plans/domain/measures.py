"""Indicators G1-G3 and where a rate falls against its target band.

From the commissioners' shared outcome objectives (DOMAIN.md, primary care bands):
- G1: holistic assessment at least annually, 6-monthly for diabetes/COPD (85-95%).
  Measured here from plan reviews: the patient's comprehensive plan was reviewed
  within 6 (diabetes/COPD) or 12 months before the period end.
- G2: named co-ordinator (85-95%): a substantive co-ordinator assignment running at
  the period end.
- G3: a care plan co-developed with the patient with personal goals, reviewed at
  least annually (85-95%): an active comprehensive plan with the co-development
  extension, at least one goal, reviewed within 12 months before the period end.
Denominator for all three: patients in the long-term-condition cohort on the register.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal


@dataclass(frozen=True, slots=True)
class Indicator:
    code: str
    title: str
    description: str
    lower: int
    upper: int


INDICATORS: dict[str, Indicator] = {
    i.code: i
    for i in (
        Indicator(
            "G1",
            "Holistic review at least annually (6-monthly for diabetes or COPD)",
            "LTC patients whose care plan was reviewed within 6 months (diabetes/COPD) or "
            "12 months (others) before the period end.",
            85,
            95,
        ),
        Indicator(
            "G2",
            "Named co-ordinator",
            "LTC patients with a named co-ordinator (lead GP, named care co-ordinator or key "
            "worker) assigned at the period end.",
            85,
            95,
        ),
        Indicator(
            "G3",
            "Care plan co-developed with personal goals, reviewed annually",
            "LTC patients with an active comprehensive care plan co-developed with them, with "
            "at least one goal, reviewed within 12 months before the period end.",
            85,
            95,
        ),
    )
}

Band = Literal["below", "within", "above", "no-data"]


def band_of(indicator: Indicator, numerator: int, denominator: int) -> Band:
    if denominator == 0:
        return "no-data"
    rate = Fraction(numerator * 100, denominator)
    if rate < indicator.lower:
        return "below"
    return "within" if rate <= indicator.upper else "above"
