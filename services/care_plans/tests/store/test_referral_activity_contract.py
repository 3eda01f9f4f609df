"""`ReferralActivityRepository` and its fake agree: the latest version wins whatever the
order of arrival, and requests count for 12 months."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from care_plans.domain.referrals import ReferralActivity
from care_plans.store.referral_activity import ReferralActivityRepository
from services.care_plans.tests.store.conftest import Units

NHS = "9990000018"
TODAY = date(2026, 3, 2)


def _fact(request: str, version: int, when: datetime) -> ReferralActivity:
    return ReferralActivity(
        request,
        NHS,
        "a.1",
        "active",
        "advice-and-guidance",
        "routine",
        "Organization/A81001",
        version,
        "carecoord.referral.submitted.v1",
        when,
    )


async def test_the_referral_activity_repository_contract(units: Units) -> None:
    recent = datetime(2026, 2, 1, tzinfo=UTC)
    async with units() as tx:
        activity = tx.repository(ReferralActivityRepository)
        await activity.project(replace(_fact("ServiceRequest/1", 2, recent), priority="urgent"))
        await activity.project(_fact("ServiceRequest/1", 1, recent))
        await activity.project(_fact("ServiceRequest/2", 1, datetime(2025, 3, 2, tzinfo=UTC)))
        await activity.project(_fact("ServiceRequest/3", 1, datetime(2025, 3, 3, tzinfo=UTC)))
    async with units() as tx:
        activity = tx.repository(ReferralActivityRepository)
        found = await activity.find("ServiceRequest/1")
        assert found == replace(_fact("ServiceRequest/1", 2, recent), priority="urgent")
        assert await activity.find("ServiceRequest/9") is None
        assert await activity.recent_requests(NHS, TODAY) == 2  # 1 and 3; 2 is a year old
        assert await activity.recent_requests("9990000026", TODAY) == 0
