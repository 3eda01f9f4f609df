"""`Meetings`: the fake and PostgreSQL agree on the next booked meeting and its changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mdt.domain.teams import Meeting
from services.mdt.tests.store.conftest import Store

T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def meeting(meeting_id: str, days: int, mdt_id: str = "t1") -> Meeting:
    return Meeting(meeting_id, mdt_id, T0 + timedelta(days=days), 90, 3.2, None, "booked")


async def test_the_next_booked_meeting_after_a_moment(store: Store) -> None:
    for found in (meeting("m3", 60), meeting("m1", 0), meeting("m2", 30), meeting("x", 1, "t2")):
        await store.meetings.add(found)
    assert await store.meetings.get("m1") == meeting("m1", 0)
    assert await store.meetings.get("nope") is None
    assert (await store.meetings.next_after("t1", T0 - timedelta(days=1))) == meeting("m1", 0)
    assert (await store.meetings.next_after("t1", T0)) == meeting("m2", 30)
    await store.meetings.held("m2")
    next_one = await store.meetings.next_after("t1", T0)
    assert next_one is not None
    assert next_one.id == "m3"
    assert await store.meetings.next_after("t1", T0 + timedelta(days=60)) is None
    assert await store.meetings.next_after("t3", T0) is None


async def test_a_meeting_keeps_its_list_and_its_status(store: Store) -> None:
    await store.meetings.add(meeting("m1", 0))
    await store.meetings.set_list("m1", "list-1")
    await store.meetings.held("m1")
    found = await store.meetings.get("m1", lock=True)
    assert found is not None
    assert (found.list_id, found.status) == ("list-1", "held")
    assert await store.meetings.team_of_list("list-1") == "t1"
    assert await store.meetings.team_of_list("list-2") is None
