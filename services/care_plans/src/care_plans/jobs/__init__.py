"""This service's periodic jobs, one module each: what moves with the clock alone."""

from __future__ import annotations

from care_plans.settings import CarePlansSettings


def housekeeping_interval(settings: CarePlansSettings) -> float:
    """Every job here runs on the housekeeping clock (`housekeeping_interval_s`)."""
    return settings.housekeeping_interval_s
