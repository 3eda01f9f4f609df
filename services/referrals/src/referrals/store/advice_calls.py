"""Recorded advice-line calls: counted per line and locality, and per paramedic.

The Communication is the record of a call; this table is what makes the
avoided-conveyance measure one indexed query rather than a search over every call,
and what rate-limits and reviews a paramedic's advice-call access (who rang which
line about whom, and when).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import sqlalchemy as sa

from carecoord_shared.ports import Repository
from referrals.domain.records import AdviceCall, LocalityCalls
from referrals.store.tables import advice_call

__all__ = ["AdviceCalls"]


class AdviceCalls(Repository):
    async def record(self, call: AdviceCall) -> None:
        await self._conn.execute(sa.insert(advice_call).values(**asdict(call)))

    async def by_locality(self, advice_line: str) -> list[LocalityCalls]:
        """The line's calls per locality (no locality sorts last), with those not conveyed."""
        c = advice_call.c
        rows = await self._conn.execute(
            sa.select(
                c.locality,
                sa.func.count().label("calls"),
                sa.func.count().filter(c.outcome == "not-conveyed").label("avoided"),
            )
            .where(c.advice_line == advice_line)
            .group_by(c.locality)
            .order_by(c.locality)
        )
        return [LocalityCalls(row.locality, row.calls, row.avoided) for row in rows]

    async def by_paramedic(
        self, paramedic: str, *, since: datetime | None = None, limit: int = 100
    ) -> list[AdviceCall]:
        """The paramedic's calls (since `since`), latest first."""
        c = advice_call.c
        query = sa.select(advice_call).where(c.paramedic == paramedic)
        if since is not None:
            query = query.where(c.at >= since)
        rows = await self._conn.execute(query.order_by(c.at.desc()).limit(limit))
        return [AdviceCall(**row._mapping) for row in rows]
