"""`referral.withdrawn`: the request stays in the projection, marked revoked."""

from __future__ import annotations

from care_plans.domain.event_types import REFERRAL_WITHDRAWN
from care_plans.events.referral_withdrawn import CONSUMER
from services.care_plans.tests.units import fake_care_plans, foreign_event

NHS = "9990000018"


async def test_a_withdrawn_request_is_revoked() -> None:
    fake = fake_care_plans()
    event = foreign_event(
        REFERRAL_WITHDRAWN,
        "ServiceRequest/1",
        NHS,
        serviceRequest="ServiceRequest/1",
        status="active",
        versionId=4,
    )
    await CONSUMER.handler(fake.tx, event, fake.context)
    await fake.tx.finish()  # the run of events commits
    fact = await fake.activity.find("ServiceRequest/1")
    assert fact is not None
    assert (fact.status, fact.version_id) == ("revoked", 4)
