"""Reading a CarePlan's facts and end-of-life preferences out of its FHIR JSON."""

from __future__ import annotations

from datetime import date

from care_plans.fhir.care_plan import end_of_life, facts_of


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
