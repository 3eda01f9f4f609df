"""Target bands of the indicators (85-95%, inclusive)."""

from __future__ import annotations

import pytest

from care_plans.domain.measures import INDICATORS, band_of


@pytest.mark.parametrize(
    ("numerator", "band"), [(84, "below"), (85, "within"), (95, "within"), (96, "above")]
)
def test_bands_are_inclusive(numerator: int, band: str) -> None:
    assert band_of(INDICATORS["G2"], numerator, 100) == band
    assert band_of(INDICATORS["G2"], 0, 0) == "no-data"
