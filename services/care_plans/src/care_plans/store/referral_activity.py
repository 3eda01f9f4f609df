"""The projection of the referrals service's requests (`referral_activity`).

Kept by the consumer of referral events in its inbox transaction. A version guard
keeps an older version from overwriting a newer one if the producer ever re-sends
out of order after a crash.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta

import sqlalchemy as sa

from care_plans.domain.referrals import ReferralActivity
from care_plans.store.tables import referral_activity
from care_plans.store.upsert import upsert
from carecoord_shared.ports import Repository

activity = referral_activity.c


class ReferralActivityRepository(Repository):
    """Each patient's A&G requests and referrals, as the referrals service announced them."""

    async def project(self, fact: ReferralActivity) -> None:
        newer = activity.version_id < sa.literal(fact.version_id)
        statement = upsert(referral_activity, "service_request", asdict(fact), where=newer)
        await self._conn.execute(statement)

    async def find(self, service_request: str) -> ReferralActivity | None:
        query = sa.select(referral_activity).where(activity.service_request == service_request)
        row = (await self._conn.execute(query)).first()
        return None if row is None else ReferralActivity(*row)

    async def recent_requests(self, nhs_number: str, today: date) -> int:
        """How many requests about the patient changed in the 12 months before `today`."""
        since = today - timedelta(days=365)
        count = await self._conn.scalar(
            sa.select(sa.func.count())
            .select_from(referral_activity)
            .where(activity.nhs_number == nhs_number, sa.func.date(activity.updated_at) > since)
        )
        return int(count or 0)
