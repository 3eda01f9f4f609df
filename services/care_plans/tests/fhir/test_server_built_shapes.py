"""The bodies this service writes with `check="server_built"` (no second R4 validation on
the write path) are valid R4 in every shape they take: the activities made from facts,
the contributions' Provenance and a plan with activities linked."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from care_plans.fhir.activities import mdt_action_activity, triage_activity
from care_plans.fhir.provenance import contribution, provenance
from carecoord_shared.fhir.parsing import validate_resource
from carecoord_shared.security.principal import system_principal
from services.care_plans.tests.builders import care_plan
from services.care_plans.tests.units import staff

NHS = "9990000018"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
FOCUS = {"reference": "CarePlan/cp-1"}


def _activities() -> list[dict[str, Any]]:
    facts = [
        triage_activity({"outcome": o, "nhsNumber": NHS, "serviceRequest": "ServiceRequest/1", **u})
        for o in ("advice-given", "accepted")
        for u in ({}, {"ubrn": "a.000012345678"})
    ]
    full = {"owner": {"display": "Dr Nkemelu"}, "dueOn": "2026-04-01", "description": "x" * 2000}
    facts += [
        mdt_action_activity({"nhsNumber": NHS, "action": "a-1", **extra}) for extra in ({}, full)
    ]
    odd_dates = ("2026-13-01", "soon", "2026-02-30", "20260401", 20260401)
    facts += [
        mdt_action_activity({"nhsNumber": NHS, "action": "a-2", "dueOn": d}) for d in odd_dates
    ]
    made = [task for task in facts if task is not None]
    return made + [{**task, "focus": FOCUS} for task in made]


@pytest.mark.parametrize("task", _activities())
def test_every_activity_shape_is_valid_r4(task: dict[str, Any]) -> None:
    assert validate_resource(dict(task), "Task")


def test_an_action_due_on_no_real_date_gets_no_due_date_rather_than_an_invalid_task() -> None:
    for due in ("2026-02-30", "soon", 20260401):
        task = mdt_action_activity({"nhsNumber": NHS, "action": "a-3", "dueOn": due})
        assert task is not None
        assert "restriction" not in task
    due = mdt_action_activity({"nhsNumber": NHS, "action": "a-3", "dueOn": "2026-04-01"})
    assert due is not None
    assert due["restriction"] == {"period": {"end": "2026-04-01"}}


@pytest.mark.parametrize("kind", ["create", "update", "delete"])
@pytest.mark.parametrize("who", [staff(), staff("patient"), system_principal("care_plans-worker")])
def test_every_contribution_shape_is_valid_r4(kind: Any, who: Any) -> None:
    targets = [("Task/t-1", 1), ("CarePlan/cp-1", 7)]
    body = provenance(NHS, NOW, contribution(who, targets, kind))
    assert validate_resource(body, "Provenance")


def test_a_plan_with_activities_linked_is_valid_r4() -> None:
    plan = care_plan(NHS, goals=("Walk daily",))
    plan["activity"] = [{"reference": {"reference": f"Task/t-{n}"}} for n in range(3)]
    assert validate_resource(plan, "CarePlan")
