"""`careplan.revised`: the plan's next review date is kept for the checklist."""

from __future__ import annotations

from mdt.events import careplan_revised
from services.mdt.tests.builders import an_event
from services.mdt.tests.conftest import Mdt
from services.mdt.tests.units import fake_context, fake_unit_of_work


async def test_revised_plan_keeps_the_review_date(mdt: Mdt) -> None:
    nhs = await mdt.patient()
    revised = an_event("careplan.revised", nhs, carePlan="CarePlan/1", nextReviewDue="2027-03-01")
    await mdt.consume(careplan_revised.CONSUMER, revised)
    due = await mdt.scalar("select review_due_on from mdt_patient where patient_nhs = :n", n=nhs)
    assert due.isoformat() == "2027-03-01"


# Unit tests on the in-memory unit of work (tests/fakes.py).


async def test_unit_a_revision_sets_the_next_review_and_nothing_else() -> None:
    tx, store = fake_unit_of_work()
    nhs = "9990000018"
    revised = an_event("careplan.revised", nhs, nextReviewDue="2027-03-01T00:00:00Z")
    await careplan_revised.handle(tx, revised, fake_context())
    assert str(store.patients.known[nhs].review_due_on) == "2027-03-01"
    unreadable = an_event("careplan.revised", nhs, nextReviewDue="soon")
    await careplan_revised.handle(tx, unreadable, fake_context())
    assert store.patients.known[nhs].review_due_on is None
