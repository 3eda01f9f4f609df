"""Who is in which MDT, and which practices and locality it serves.

The rows behind the membership checks (case lists, meetings, outcomes) and behind the
rules' choice of MDT. Written in the transaction of each CareTeam write, so they never
disagree with the team's current version.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from carecoord_shared.ports import Repository
from carecoord_shared.store.upsert import upsert
from mdt.domain.teams import Member, Team
from mdt.store.tables import mdt_member, mdt_team

_TEAMS_OF = sa.select(mdt_member.c.mdt_id).where(mdt_member.c.user_id == sa.bindparam("user_id"))
"""Built once (building a statement costs more than running it): every case-list
search asks it."""
_SAVE = upsert(mdt_team, "id", ["id", "name", "kind", "locality", "practices", "active"])


class Teams(Repository):
    async def save(self, team: Team, name: str | None, members: Sequence[Member]) -> None:
        """The team as its CareTeam now says, with exactly these members."""
        values = {
            "id": team.id,
            "name": name,
            "kind": team.kind,
            "locality": team.locality,
            "practices": list(team.practices),
            "active": team.active,
        }
        await self._conn.execute(_SAVE, values)
        await self._conn.execute(sa.delete(mdt_member).where(mdt_member.c.mdt_id == team.id))
        if members:
            rows = [
                {"mdt_id": team.id, "user_id": m.user_id, "membership": m.membership}
                | {"chair": m.chair}
                for m in members
            ]
            await self._conn.execute(sa.insert(mdt_member), rows)

    async def close(self, mdt_id: str) -> None:
        """The CareTeam was deleted: the team takes nothing more and has no members."""
        await self._conn.execute(
            sa.update(mdt_team).where(mdt_team.c.id == mdt_id).values(active=False)
        )
        await self._conn.execute(sa.delete(mdt_member).where(mdt_member.c.mdt_id == mdt_id))

    async def get(self, mdt_id: str) -> Team | None:
        query = sa.select(mdt_team).where(mdt_team.c.id == mdt_id)
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        return Team(row.id, row.kind, row.locality, tuple(row.practices), row.active)

    async def serving(self, practice: str | None, locality: str | None) -> list[str]:
        """Active MDTs serving a practice (else a locality), the general MDT first."""
        if practice:
            where = sa.literal(practice) == sa.any_(mdt_team.c.practices)
        elif locality:
            where = mdt_team.c.locality == locality
        else:
            return []
        rows = await self._conn.execute(
            sa.select(mdt_team.c.id)
            .where(where, mdt_team.c.active)
            .order_by((mdt_team.c.kind == "nursing-home"), mdt_team.c.created_at, mdt_team.c.id)
        )
        return [r.id for r in rows]

    async def members(self, mdt_id: str) -> list[str]:
        query = sa.select(mdt_member.c.user_id).where(mdt_member.c.mdt_id == mdt_id)
        return sorted(r.user_id for r in await self._conn.execute(query))

    async def is_member(self, mdt_id: str, user_id: str) -> bool:
        found = await self._conn.scalar(
            sa.select(sa.literal(True)).where(
                mdt_member.c.mdt_id == mdt_id, mdt_member.c.user_id == user_id
            )
        )
        return bool(found)

    async def teams_of(self, user_id: str) -> list[str]:
        """The MDTs `user_id` is a member of (asked by every case-list search)."""
        return sorted(r.mdt_id for r in await self._conn.execute(_TEAMS_OF, {"user_id": user_id}))
