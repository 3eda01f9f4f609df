"""The meetings each MDT has booked: when, how long, room for how many, and their list.

`mdt_meeting` is what assembly and roll-over decide with (the Appointment is the
record); a meeting row is locked while its list is assembled, so two assemblies of
one meeting never interleave.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from carecoord_shared.ports import Repository
from mdt.domain.teams import Meeting
from mdt.store.tables import by_id, mdt_meeting

MEETING_FIELDS = tuple(Meeting.__dataclass_fields__)


def _meeting(row: Any) -> Meeting | None:
    return None if row is None else Meeting(**{f: row._mapping[f] for f in MEETING_FIELDS})


class Meetings(Repository):
    async def add(self, meeting: Meeting) -> None:
        values = {name: getattr(meeting, name) for name in MEETING_FIELDS}
        await self._conn.execute(sa.insert(mdt_meeting).values(**values))

    async def get(self, meeting_id: str, *, lock: bool = False) -> Meeting | None:
        return _meeting(
            (await self._conn.execute(by_id(mdt_meeting, meeting_id, lock=lock))).first()
        )

    async def next_after(self, mdt_id: str, after: datetime) -> Meeting | None:
        """The first booked meeting of the MDT starting after `after`."""
        query = (
            sa.select(mdt_meeting)
            .where(
                mdt_meeting.c.mdt_id == mdt_id,
                mdt_meeting.c.starts_at > after,
                mdt_meeting.c.status == "booked",
            )
            .order_by(mdt_meeting.c.starts_at, mdt_meeting.c.id)
            .limit(1)
        )
        return _meeting((await self._conn.execute(query)).first())

    async def team_of_list(self, list_id: str) -> str | None:
        """The MDT whose meeting has the case List `list_id` (None: no such list)."""
        query = sa.select(mdt_meeting.c.mdt_id).where(mdt_meeting.c.list_id == list_id).limit(1)
        found = await self._conn.scalar(query)
        return None if found is None else str(found)

    async def set_list(self, meeting_id: str, list_id: str) -> None:
        await self._update(meeting_id, list_id=list_id)

    async def held(self, meeting_id: str) -> None:
        await self._update(meeting_id, status="held")

    async def _update(self, meeting_id: str, **values: object) -> None:
        await self._conn.execute(
            sa.update(mdt_meeting).where(mdt_meeting.c.id == meeting_id).values(**values)
        )
