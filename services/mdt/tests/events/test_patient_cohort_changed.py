"""`patient.cohort-changed`: risk kept and applied, the `cohort-entered` rule."""

from __future__ import annotations

from mdt.events import careplan_review_due, patient_cohort_changed
from services.mdt.tests.builders import an_event
from services.mdt.tests.conftest import Mdt, sources
from services.mdt.tests.units import a_case, a_patient, a_team, fake_context, fake_unit_of_work


async def test_second_rule_adds_to_the_open_case(mdt: Mdt) -> None:
    nhs = await mdt.served_patient()
    await mdt.consume(
        careplan_review_due.CONSUMER, an_event("careplan.review-due", nhs, dueOn="2026-01-01")
    )
    cohort = an_event("patient.cohort-changed", nhs, entered=["end-of-life"], riskScore=10)
    await mdt.consume(patient_cohort_changed.CONSUMER, cohort)
    assert [s["kind"] for s in await sources(mdt, nhs)] == [
        "care-plan-review-overdue",
        "cohort-entered",
    ]
    assert await mdt.scalar("select urgency from mdt_case where patient_nhs = :n", n=nhs) == "soon"
    assert await mdt.scalar("select risk from mdt_case where patient_nhs = :n", n=nhs) == 10


async def test_no_watched_cohort_entered_lists_no_one_but_keeps_the_risk(mdt: Mdt) -> None:
    nhs = await mdt.served_patient()
    changed = an_event("patient.cohort-changed", nhs, entered=[], cohorts=["copd"], riskScore=33)
    await mdt.consume(patient_cohort_changed.CONSUMER, changed)
    assert await sources(mdt, nhs) == []
    known = "select risk_score from mdt_patient where patient_nhs = :n"
    assert await mdt.scalar(known, n=nhs) == 33


# Unit tests on the in-memory unit of work (tests/fakes.py).


async def test_unit_entering_end_of_life_raises_the_open_case_and_its_risk() -> None:
    tx, store = fake_unit_of_work()
    mdt_id = await a_team(tx)
    nhs = await a_patient(tx, store)
    case_id = await a_case(tx, mdt_id, nhs)
    changed = an_event(
        "patient.cohort-changed",
        nhs,
        cohorts=["end-of-life"],
        entered=["end-of-life"],
        riskScore=91,
    )
    await patient_cohort_changed.handle(tx, changed, fake_context())
    case = store.cases.rows[case_id]
    assert (case.urgency, case.risk) == ("soon", 91.0)
    assert [s["kind"] for s in case.sources] == ["nomination", "cohort-entered"]
    known = store.patients.known[nhs]
    assert (known.cohorts, known.risk_score) == (("end-of-life",), 91.0)
