"""`referral.submitted`: the request joins the projection and counts towards the
patient's risk score (cohort unchanged: no event)."""

from __future__ import annotations

from care_plans.domain.event_types import COHORT_CHANGED, REFERRAL_SUBMITTED
from care_plans.events.referral_submitted import CONSUMER
from carecoord_shared.events import Event
from services.care_plans.tests.units import fake_care_plans, foreign_event

NHS = "9990000018"


def submitted(request: str, version: int = 1, nhs_number: str = NHS) -> Event:
    return foreign_event(
        REFERRAL_SUBMITTED,
        request,
        nhs_number,
        serviceRequest=request,
        ubrn="a.000012345678",
        status="active",
        category=["advice-and-guidance"],
        priority="routine",
        requester="Organization/A81001",
        versionId=version,
    )


async def test_a_submitted_request_is_projected_and_raises_the_score() -> None:
    fake = fake_care_plans()
    await fake.registered(NHS, "195967001")
    before = fake.register.entries[NHS].risk_score
    await CONSUMER.handler(fake.tx, submitted("ServiceRequest/1"), fake.context)
    await fake.tx.finish()  # the run of events commits
    fact = await fake.activity.find("ServiceRequest/1")
    assert fact is not None
    assert (fact.status, fact.category, fact.version_id) == ("active", "advice-and-guidance", 1)
    assert fake.register.entries[NHS].risk_score == before + 1
    assert len(fake.events(COHORT_CHANGED)) == 1  # entering the LTC cohort, not the request


async def test_a_patient_not_on_the_register_is_only_projected() -> None:
    fake = fake_care_plans()
    await CONSUMER.handler(fake.tx, submitted("ServiceRequest/2"), fake.context)
    await fake.tx.finish()
    assert await fake.activity.find("ServiceRequest/2") is not None
    assert fake.register.entries == {}
    assert fake.tx.fake_outbox.events == []
