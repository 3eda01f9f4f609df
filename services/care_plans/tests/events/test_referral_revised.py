"""`referral.revised`: the projection keeps the latest version of a request, whatever
order the versions arrive in."""

from __future__ import annotations

from care_plans.domain.event_types import REFERRAL_REVISED
from care_plans.events.referral_revised import CONSUMER
from services.care_plans.tests.units import fake_care_plans, foreign_event

NHS = "9990000018"


def revised(priority: str, version: int) -> object:
    return foreign_event(
        REFERRAL_REVISED,
        "ServiceRequest/1",
        NHS,
        serviceRequest="ServiceRequest/1",
        status="active",
        priority=priority,
        versionId=version,
    )


async def test_an_older_version_never_overwrites_a_newer_one() -> None:
    fake = fake_care_plans()
    await CONSUMER.handler(fake.tx, revised("urgent", 3), fake.context)
    await CONSUMER.handler(fake.tx, revised("routine", 2), fake.context)
    fact = await fake.activity.find("ServiceRequest/1")
    assert fact is not None
    assert (fact.priority, fact.version_id, fact.last_event_type) == ("urgent", 3, REFERRAL_REVISED)
