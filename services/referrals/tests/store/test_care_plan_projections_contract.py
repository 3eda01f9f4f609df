"""The contract of `CarePlanProjections`, held by the fake and by PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from referrals.domain.records import CarePlanSummary, Coordinator
from referrals.store.projections import CarePlanProjections
from services.referrals.tests.store.conftest import Make

NHS = "9990000018"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _coordinator(kind: str, display: str, *, cover: bool = False) -> Coordinator:
    return Coordinator(NHS, "CareTeam/1", kind, {"display": display}, cover, "2026-01-01", None, T0)


def _plan(plan: str, version: int, title: str, updated: datetime) -> CarePlanSummary:
    eol = {"preferredPlaceOfDeath": "Home"}
    return CarePlanSummary(plan, NHS, version, "active", title, None, "2026-09-01", eol, updated)


async def test_coordinators_and_care_plans_are_kept_as_announced(make: Make) -> None:
    projections: CarePlanProjections = make(CarePlanProjections)

    await projections.assign_coordinator(_coordinator("named-care-coordinator", "Sam"))
    await projections.assign_coordinator(_coordinator("key-worker", "Cover", cover=True))
    await projections.assign_coordinator(_coordinator("named-care-coordinator", "Alex"))
    running = await projections.coordinators_of(NHS)
    assert [(c.kind, c.coordinator["display"]) for c in running] == [
        ("named-care-coordinator", "Alex"),
        ("key-worker", "Cover"),
    ]
    await projections.end_coordinator(NHS, "CareTeam/1", "key-worker", T0 + timedelta(days=1))
    assert [c.coordinator["display"] for c in await projections.coordinators_of(NHS)] == ["Alex"]
    await projections.assign_coordinator(_coordinator("key-worker", "Back", cover=True))
    assert len(await projections.coordinators_of(NHS)) == 2

    await projections.revise_care_plan(_plan("CarePlan/1", 2, "Two", T0))
    await projections.revise_care_plan(_plan("CarePlan/1", 1, "One", T0 + timedelta(days=2)))
    await projections.revise_care_plan(_plan("CarePlan/2", 1, "Other", T0 + timedelta(days=1)))
    plans = await projections.care_plans_of(NHS)
    assert [(p.care_plan, p.title, p.version_id) for p in plans] == [
        ("CarePlan/2", "Other", 1),
        ("CarePlan/1", "Two", 2),
    ]
    assert plans[1] == _plan("CarePlan/1", 2, "Two", T0)
    assert await projections.care_plans_of("9990000026") == []
