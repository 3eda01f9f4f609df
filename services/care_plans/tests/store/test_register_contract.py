"""`RegisterRepository` and its fake agree: entries, stratification kept across a move
of practice, the 6-monthly flag, NHS number by Patient id, the patient's current
Conditions, removal."""

from __future__ import annotations

from datetime import date

from care_plans.domain.register import RegisterEntry
from care_plans.store.register import RegisterRepository
from carecoord_shared.fhir.registry import Write
from services.care_plans.tests.builders import ASTHMA, DIABETES, condition
from services.care_plans.tests.store.conftest import Units

NHS, OTHER = "9990000018", "9990000026"


async def test_the_register_repository_contract(units: Units) -> None:
    entry = RegisterEntry(NHS, "p-1", "A81001", "north", date(1950, 1, 1))
    async with units() as tx:
        register = tx.repository(RegisterRepository)
        assert await register.entry(NHS) is None
        await register.enrol(entry)
        assert await register.entry(NHS) == entry
        await register.save_stratification(NHS, ["long-term-condition"], 3, True)
        await register.enrol(RegisterEntry(NHS, "p-1", "B82002", None, None))
        moved = await register.entry(NHS)
        assert moved == RegisterEntry(
            NHS, "p-1", "B82002", None, None, ("long-term-condition",), 3, True
        )
        assert await register.six_monthly(NHS)
        assert not await register.six_monthly(OTHER)
        assert await register.nhs_number_of("p-1") == NHS
        assert await register.nhs_number_of("p-2") is None
    async with units() as tx:
        kept, _ = await tx.create("Condition", condition(NHS, DIABETES))
        gone, _ = await tx.create("Condition", condition(NHS, ASTHMA))
        await tx.create("Condition", condition(OTHER, ASTHMA))
        await tx.store_write(Write("delete", "Condition", gone.id, None))
    async with units() as tx:
        register = tx.repository(RegisterRepository)
        assert [c["id"] for c in await register.conditions_of(NHS)] == [kept.id]
        await register.remove(NHS)
        assert await register.entry(NHS) is None
