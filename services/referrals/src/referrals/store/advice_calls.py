"""Recorded advice-line calls, counted per line and locality.

The Communication is the record of a call; this table is what makes the
avoided-conveyance measure one indexed query rather than a search over every call.
"""

from __future__ import annotations

from dataclasses import asdict

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
