"""`referral.submitted`: recent activity, and the `repeated-advice-requests` rule."""

from __future__ import annotations

from carecoord_shared.events import Event
from mdt.events import referral_submitted
from services.mdt.tests.builders import an_event
from services.mdt.tests.conftest import Mdt, sources
from services.mdt.tests.units import a_patient, a_team, fake_context, fake_unit_of_work


def advice_request(nhs: str, number: int) -> Event:
    return an_event(
        "referral.submitted",
        nhs,
        serviceRequest=f"ServiceRequest/ag-{nhs}-{number}",
        ubrn=f"a.{number}",
        category=["advice-and-guidance"],
    )


async def test_the_third_advice_request_in_the_window_lists_the_patient(mdt: Mdt) -> None:
    nhs = await mdt.served_patient()
    requests = [advice_request(nhs, i) for i in range(3)]
    for request in requests[:2]:
        await mdt.consume(referral_submitted.CONSUMER, request)
    assert await sources(mdt, nhs) == []
    await mdt.consume(referral_submitted.CONSUMER, requests[2])
    listed = await sources(mdt, nhs)
    assert [s["kind"] for s in listed] == ["repeated-advice-requests"]


async def test_a_referral_is_recent_activity_and_lists_no_one(mdt: Mdt) -> None:
    nhs = await mdt.served_patient()
    for number in range(3):
        referral = an_event(
            "referral.submitted",
            nhs,
            serviceRequest=f"ServiceRequest/r-{nhs}-{number}",
            ubrn=f"r.{number}",
            category=["cardiology"],
        )
        await mdt.consume(referral_submitted.CONSUMER, referral)
    assert await sources(mdt, nhs) == []
    kinds = "select array_agg(distinct kind) from mdt_activity where patient_nhs = :n"
    assert await mdt.scalar(kinds, n=nhs) == ["referral"]


# Unit tests on the in-memory unit of work (tests/fakes.py).


async def test_unit_the_threshold_and_window_are_settings() -> None:
    tx, store = fake_unit_of_work()
    await a_team(tx)
    nhs = await a_patient(tx, store)
    two = fake_context(repeat_advice_requests=2)
    await referral_submitted.handle(tx, advice_request(nhs, 1), two)
    assert store.cases.rows == {}
    await referral_submitted.handle(tx, advice_request(nhs, 2), two)
    [case] = store.cases.rows.values()
    assert case.sources[0]["reason"] == "2 advice and guidance requests within 90 days"
    assert store.patients.activity[f"ServiceRequest/ag-{nhs}-2"].kind == "advice-and-guidance"
