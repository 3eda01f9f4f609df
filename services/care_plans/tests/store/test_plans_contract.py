"""`PlanIndexRepository` and its fake agree: the active comprehensive plan, reviews due by
the register's interval, announced once per due date, re-armed by a new review."""

from __future__ import annotations

from datetime import date

from care_plans.domain.care_plan import PlanFacts
from care_plans.domain.register import RegisterEntry
from care_plans.store.plans import PlanIndexRepository
from care_plans.store.register import RegisterRepository
from services.care_plans.tests.store.conftest import Units

DIABETIC, OTHER = "9990000018", "9990000026"
TODAY = date(2026, 3, 2)


def _facts(reviewed: date, comprehensive: bool = True) -> PlanFacts:
    return PlanFacts(comprehensive, True, True, False, 1, reviewed)


async def test_the_plan_index_repository_contract(units: Units) -> None:
    async with units() as tx:
        register = tx.repository(RegisterRepository)
        for nhs in (DIABETIC, OTHER):
            await register.enrol(RegisterEntry(nhs, f"p-{nhs}", None, None, None))
        await register.save_stratification(DIABETIC, ["long-term-condition"], 1, True)
        index = tx.repository(PlanIndexRepository)
        await index.save("plan-1", DIABETIC, _facts(date(2025, 8, 31)))  # due 2026-02-28
        await index.save("plan-2", OTHER, _facts(date(2025, 8, 31)))  # due 2026-08-31
        await index.save("plan-3", DIABETIC, _facts(date(2024, 1, 1), comprehensive=False))
    async with units() as tx:
        index = tx.repository(PlanIndexRepository)
        assert await index.active_comprehensive(DIABETIC) == "plan-1"
        assert await index.other_active_comprehensive(DIABETIC, "plan-1") is None
        assert await index.other_active_comprehensive(DIABETIC, "plan-9") == "plan-1"
        [due] = await index.due_unannounced(TODAY)
        assert (due.care_plan_id, due.patient_nhs, due.due_on) == (
            "plan-1",
            DIABETIC,
            date(2026, 2, 28),
        )
        await index.mark_announced("plan-1", due.due_on)
    async with units() as tx:
        index = tx.repository(PlanIndexRepository)
        assert await index.due_unannounced(TODAY) == []
        await index.save("plan-1", DIABETIC, _facts(date(2025, 8, 31)))  # same review: still done
        assert await index.due_unannounced(TODAY) == []
        await index.save("plan-1", DIABETIC, _facts(date(2025, 9, 1)))  # a new review re-arms
        assert [d.due_on for d in await index.due_unannounced(TODAY)] == [date(2026, 3, 1)]
        await index.forget("plan-1")
        assert await index.active_comprehensive(DIABETIC) is None
