"""Who is in which MDT and which meetings it holds: the rows behind membership checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from mdt.store.tables import mdt_meeting, mdt_member, mdt_team


@dataclass(frozen=True, slots=True)
class TeamRow:
    id: str
    kind: str
    locality: str | None
    practices: tuple[str, ...]
    active: bool


@dataclass(frozen=True, slots=True)
class MemberRow:
    user_id: str
    membership: str
    chair: bool


@dataclass(frozen=True, slots=True)
class MeetingRow:
    id: str
    mdt_id: str
    starts_at: datetime
    duration_minutes: int
    minutes_per_case: float
    list_id: str | None
    status: str


async def save_team(
    conn: AsyncConnection, team: TeamRow, name: str | None, members: Sequence[MemberRow]
) -> None:
    values = {
        "id": team.id,
        "name": name,
        "kind": team.kind,
        "locality": team.locality,
        "practices": list(team.practices),
        "active": team.active,
    }
    statement = insert(mdt_team).values(**values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[mdt_team.c.id],
            set_={k: statement.excluded[k] for k in values if k != "id"},
        )
    )
    await conn.execute(sa.delete(mdt_member).where(mdt_member.c.mdt_id == team.id))
    if members:
        await conn.execute(
            sa.insert(mdt_member),
            [
                {
                    "mdt_id": team.id,
                    "user_id": m.user_id,
                    "membership": m.membership,
                    "chair": m.chair,
                }
                for m in members
            ],
        )


async def team(conn: AsyncConnection, mdt_id: str) -> TeamRow | None:
    row = (await conn.execute(sa.select(mdt_team).where(mdt_team.c.id == mdt_id))).first()
    if row is None:
        return None
    return TeamRow(row.id, row.kind, row.locality, tuple(row.practices), row.active)


async def teams_serving(
    conn: AsyncConnection, practice: str | None, locality: str | None
) -> list[str]:
    """Active MDTs serving a practice (else a locality), the general MDT first."""
    if practice:
        where = sa.literal(practice) == sa.any_(mdt_team.c.practices)
    elif locality:
        where = mdt_team.c.locality == locality
    else:
        return []
    rows = await conn.execute(
        sa.select(mdt_team.c.id)
        .where(where, mdt_team.c.active)
        .order_by((mdt_team.c.kind == "nursing-home"), mdt_team.c.created_at, mdt_team.c.id)
    )
    return [r.id for r in rows]


async def members(conn: AsyncConnection, mdt_id: str) -> list[str]:
    rows = await conn.execute(sa.select(mdt_member.c.user_id).where(mdt_member.c.mdt_id == mdt_id))
    return [r.user_id for r in rows]


async def is_member(conn: AsyncConnection, mdt_id: str, user_id: str) -> bool:
    found = await conn.scalar(
        sa.select(sa.literal(True)).where(
            mdt_member.c.mdt_id == mdt_id, mdt_member.c.user_id == user_id
        )
    )
    return bool(found)


async def teams_of(conn: AsyncConnection, user_id: str) -> list[str]:
    rows = await conn.execute(sa.select(mdt_member.c.mdt_id).where(mdt_member.c.user_id == user_id))
    return [r.mdt_id for r in rows]


def _meeting(row: sa.Row[tuple[object, ...]] | None) -> MeetingRow | None:
    if row is None:
        return None
    m = row._mapping
    return MeetingRow(
        m["id"],
        m["mdt_id"],
        m["starts_at"],
        m["duration_minutes"],
        m["minutes_per_case"],
        m["list_id"],
        m["status"],
    )


async def add_meeting(conn: AsyncConnection, meeting: MeetingRow) -> None:
    await conn.execute(
        sa.insert(mdt_meeting).values(
            id=meeting.id,
            mdt_id=meeting.mdt_id,
            starts_at=meeting.starts_at,
            duration_minutes=meeting.duration_minutes,
            minutes_per_case=meeting.minutes_per_case,
            list_id=meeting.list_id,
            status=meeting.status,
        )
    )


async def meeting(
    conn: AsyncConnection, meeting_id: str, *, lock: bool = False
) -> MeetingRow | None:
    query = sa.select(mdt_meeting).where(mdt_meeting.c.id == meeting_id)
    if lock:
        query = query.with_for_update()
    return _meeting((await conn.execute(query)).first())


async def next_meeting(conn: AsyncConnection, mdt_id: str, after: datetime) -> MeetingRow | None:
    """The first booked meeting of the MDT starting after `after`."""
    query = (
        sa.select(mdt_meeting)
        .where(
            mdt_meeting.c.mdt_id == mdt_id,
            mdt_meeting.c.starts_at > after,
            mdt_meeting.c.status == "booked",
        )
        .order_by(mdt_meeting.c.starts_at)
        .limit(1)
    )
    return _meeting((await conn.execute(query)).first())


async def last_meeting(conn: AsyncConnection, mdt_id: str) -> MeetingRow | None:
    query = (
        sa.select(mdt_meeting)
        .where(mdt_meeting.c.mdt_id == mdt_id)
        .order_by(mdt_meeting.c.starts_at.desc())
        .limit(1)
    )
    return _meeting((await conn.execute(query)).first())


async def set_meeting(conn: AsyncConnection, meeting_id: str, **values: object) -> None:
    await conn.execute(
        sa.update(mdt_meeting).where(mdt_meeting.c.id == meeting_id).values(**values)
    )
