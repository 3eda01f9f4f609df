"""`Teams`: the fake and PostgreSQL keep teams, members and who serves whom alike."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from mdt.domain.teams import Member, Team
from services.mdt.tests.store.conftest import Store

CHAIR, NURSE = Member("sds-chair", "core", True), Member("sds-nurse", "extended", False)


def team(mdt_id: str, *practices: str, kind: str = "locality", locality: str = "north") -> Team:
    return Team(mdt_id, kind, locality, practices, True)


async def test_a_team_keeps_exactly_its_latest_members(store: Store) -> None:
    await store.teams.save(team("t1", "A81001"), "North MDT", [CHAIR, NURSE])
    assert await store.teams.get("t1") == team("t1", "A81001")
    assert await store.teams.members("t1") == ["sds-chair", "sds-nurse"]
    assert await store.teams.is_member("t1", "sds-nurse")
    await store.teams.save(team("t1", "A81001", "B82002"), "North MDT", [CHAIR])
    assert await store.teams.members("t1") == ["sds-chair"]
    assert not await store.teams.is_member("t1", "sds-nurse")
    assert await store.teams.teams_of("sds-chair") == ["t1"]
    assert await store.teams.get("unknown") is None
    await store.teams.close("t1")
    closed = await store.teams.get("t1")
    assert closed is not None
    assert not closed.active
    assert await store.teams.members("t1") == []
    assert await store.teams.teams_of("sds-chair") == []


async def test_the_serving_team_is_the_active_locality_mdt_first(store: Store) -> None:
    await store.teams.save(team("home", "A81001", kind="nursing-home"), None, [CHAIR])
    await store.teams.save(team("a-north", "A81001"), None, [CHAIR])
    await store.teams.save(team("b-later", "A81001"), None, [CHAIR])
    await store.teams.save(team("south", "C83003", locality="south"), None, [CHAIR])
    assert await store.teams.serving("A81001", None) == ["a-north", "b-later", "home"]
    assert await store.teams.serving(None, "south") == ["south"]
    assert await store.teams.serving("Z99999", "north") == []
    assert await store.teams.serving(None, None) == []
    await store.teams.close("a-north")
    assert await store.teams.serving("A81001", "south") == ["b-later", "home"]
    assert await store.teams.teams_of("sds-chair") == ["b-later", "home", "south"]


async def test_a_member_appears_once(store: Store) -> None:
    with pytest.raises(IntegrityError):
        await store.teams.save(team("t1", "A81001"), None, [CHAIR, CHAIR])
