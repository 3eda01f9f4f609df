"""The projection of the referrals service's requests (`referral_activity`).

Kept by the consumer of referral events in its inbox transaction, a run of events in
one statement. A version guard keeps an older version from overwriting a newer one if
the producer ever re-sends out of order after a crash.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, fields
from datetime import date, timedelta

import sqlalchemy as sa

from care_plans.domain.referrals import ReferralActivity
from care_plans.store.tables import referral_activity
from carecoord_shared.ports import Repository
from carecoord_shared.store.upsert import newest_wins

activity = referral_activity.c


def latest_of(facts: Sequence[ReferralActivity]) -> list[ReferralActivity]:
    """Each request's latest version among `facts` (of two with one version, the first:
    what projecting them one by one keeps), in first-seen order."""
    latest: dict[str, ReferralActivity] = {}
    for fact in facts:
        known = latest.get(fact.service_request)
        if known is None or known.version_id < fact.version_id:
            latest[fact.service_request] = fact
    return list(latest.values())


_PROJECT = newest_wins(
    referral_activity, "service_request", [f.name for f in fields(ReferralActivity)]
)


class ReferralActivityRepository(Repository):
    """Each patient's A&G requests and referrals, as the referrals service announced them."""

    async def project(self, fact: ReferralActivity) -> None:
        await self.project_all([fact])

    async def project_all(self, facts: Sequence[ReferralActivity]) -> None:
        """Keep each request's newest version (one statement for them all)."""
        rows = [asdict(fact) for fact in latest_of(facts)]
        if rows:
            await self._conn.execute(_PROJECT, rows)

    async def find(self, service_request: str) -> ReferralActivity | None:
        query = sa.select(referral_activity).where(activity.service_request == service_request)
        row = (await self._conn.execute(query)).first()
        return None if row is None else ReferralActivity(**row._mapping)

    async def recent_requests(self, nhs_number: str, today: date) -> int:
        """How many requests about the patient changed in the 12 months before `today`."""
        return (await self.recent_requests_of([nhs_number], today)).get(nhs_number, 0)

    async def recent_requests_of(self, nhs_numbers: Collection[str], today: date) -> dict[str, int]:
        """`recent_requests` of each patient (one query; a patient with none is left out)."""
        since = today - timedelta(days=365)
        rows = await self._conn.execute(
            sa.select(activity.nhs_number, sa.func.count())
            .where(
                activity.nhs_number.in_(sorted(nhs_numbers)),
                sa.func.date(activity.updated_at) > since,
            )
            .group_by(activity.nhs_number)
        )
        return {str(nhs): int(count) for nhs, count in rows}
