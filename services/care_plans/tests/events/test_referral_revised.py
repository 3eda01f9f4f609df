"""`referral.revised`: the projection keeps the latest version of a request, whatever
order the versions arrive in."""

from __future__ import annotations

import pytest

from care_plans.domain.event_types import REFERRAL_REVISED
from care_plans.events.referral_revised import CONSUMER
from carecoord_shared.events import Event
from services.care_plans.tests.units import fake_care_plans, foreign_event

NHS = "9990000018"


def revised(priority: str, version: int) -> Event:
    return foreign_event(
        REFERRAL_REVISED,
        "ServiceRequest/1",
        NHS,
        serviceRequest="ServiceRequest/1",
        status="active",
        priority=priority,
        versionId=version,
    )


@pytest.mark.parametrize("one_run", [False, True], ids=["run-by-run", "in-one-run"])
async def test_an_older_version_never_overwrites_a_newer_one(one_run: bool) -> None:
    fake = fake_care_plans()
    for priority, version in [("urgent", 3), ("routine", 2), ("two-week-wait", 3)]:
        await CONSUMER.handler(fake.tx, revised(priority, version), fake.context)
        if not one_run:
            await fake.tx.finish()  # each event a run of its own
    await fake.tx.finish()
    fact = await fake.activity.find("ServiceRequest/1")
    assert fact is not None
    assert (fact.priority, fact.version_id, fact.last_event_type) == ("urgent", 3, REFERRAL_REVISED)
