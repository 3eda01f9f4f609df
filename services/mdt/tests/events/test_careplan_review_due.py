"""`careplan.review-due`: the `care-plan-review-overdue` rule, and redelivery absorbed."""

from __future__ import annotations

from mdt.events import careplan_review_due
from services.mdt.tests.builders import an_event
from services.mdt.tests.conftest import Mdt, sources
from services.mdt.tests.units import a_patient, a_team, fake_context, fake_unit_of_work


async def test_overdue_review_lists_and_the_same_event_twice_adds_nothing(mdt: Mdt) -> None:
    nhs = await mdt.served_patient()
    due = an_event("careplan.review-due", nhs, carePlan="CarePlan/1", dueOn="2026-01-01")
    await mdt.consume(careplan_review_due.CONSUMER, due)
    await mdt.consume(careplan_review_due.CONSUMER, due)
    listed = await sources(mdt, nhs)
    assert [(s["kind"], s["event_id"]) for s in listed] == [("care-plan-review-overdue", due.id)]
    case_id = await mdt.scalar("select id from mdt_case where patient_nhs = :n", n=nhs)
    case = (await mdt.get(f"Task/{case_id}")).json()
    assert due.id in case["note"][0]["text"]


# Unit tests on the in-memory unit of work (tests/fakes.py).


async def test_unit_a_review_due_is_kept_and_lists_the_patient() -> None:
    tx, store = fake_unit_of_work()
    await a_team(tx)
    nhs = await a_patient(tx, store)
    due = an_event("careplan.review-due", nhs, carePlan="CarePlan/1", dueOn="2026-01-01")
    await careplan_review_due.handle(tx, due, fake_context())
    assert str(store.patients.known[nhs].review_due_on) == "2026-01-01"
    [case] = store.cases.rows.values()
    assert [s["kind"] for s in case.sources] == ["care-plan-review-overdue"]
