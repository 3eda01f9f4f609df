"""Live updates of the MDT pages over real HTTP: mdt's events travel through Kafka (mdt's
own relay) to the portal's worker, which announces them to the open pages' streams. A
case listed reaches the MDT member's open meeting page; an action given to a practice
reaches that practice's GP on their actions page; a stream is only for someone who may
read what it is about."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import text

from carecoord_shared.db import create_engine
from carecoord_shared.events import ensure_topics
from mdt.settings import MdtSettings
from mdt.worker import build_worker as build_mdt_worker
from portal.events.staff_live import references
from services.portal.tests.staff.conftest import GP, StaffStack, live_worker, running, sign_in
from services.portal.tests.staff.mdt_fixtures import (
    MdtWorld,
    action_part,
    book,
    discuss,
    listed_cases,
    make_team,
    mdt_db,
    with_mdt,
)
from services.portal.tests.staff.test_live_pages import _first_change

__all__ = ["mdt_db", "with_mdt"]  # fixtures used by this module


async def _api_topic(world: MdtWorld) -> str:
    """The topic mdt's API writes its events for (each outbox row names it): one case
    listed, before anything watches."""
    team = await make_team(world, "Topic probe")
    (meeting,) = await book(world, team)
    await listed_cases(world, team, meeting, ["Probe"])
    engine = create_engine(world.mdt_db, pool_size=1)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(text("SELECT topic FROM outbox LIMIT 1"))
            return str(found.scalar_one())
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def mdt_feed(with_mdt: MdtWorld, kafka_bootstrap: str) -> Iterator[MdtWorld]:
    """mdt's relay publishing its outbox to its topic, and the portal's worker (its staff
    live-update consumers) reading that topic."""
    stack: StaffStack = with_mdt.stack
    run = uuid.uuid4().hex[:8]
    topic = asyncio.run(_api_topic(with_mdt))
    mdt = MdtSettings(
        environment="test",
        database_url=with_mdt.mdt_db,
        auth_jwks_url=stack.issuer.jwks_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        public_base_url=with_mdt.mdt_url,
        log_level="WARNING",
        topic=topic,
        referrals_topic=f"test.mdtlive-ref.{run}",
        care_plans_topic=f"test.mdtlive-cp.{run}",
    )
    # Made before either worker starts, so the relay's first publish finds the topic.
    asyncio.run(ensure_topics(kafka_bootstrap, [topic]))
    portal = live_worker(
        stack, kafka_bootstrap, mdt_topic=topic, referrals_topic=mdt.referrals_topic
    )
    with running(build_mdt_worker(mdt), portal):
        yield with_mdt


async def _watching(client: httpx.AsyncClient, url: str) -> asyncio.Task[str]:
    opened = asyncio.Event()
    watching = asyncio.create_task(_first_change(client, url, opened))
    await asyncio.wait_for(opened.wait(), 20)
    return watching


async def test_a_case_listed_reaches_the_members_open_meeting_page(
    mdt_feed: MdtWorld, browser_client: httpx.AsyncClient
) -> None:
    world, portal = mdt_feed, mdt_feed.stack.portal_url
    team = await make_team(world, "Live MDT")
    (meeting,) = await book(world, team)
    await sign_in(browser_client, world.stack, "mdt-member")
    watching = await _watching(browser_client, f"{portal}/live/mdt/meetings/{meeting}")

    await listed_cases(world, team, meeting, ["Live: falls twice this month?"])

    assert await asyncio.wait_for(watching, 45) in {f"Appointment/{meeting}", f"CareTeam/{team}"}
    page = await browser_client.get(f"{portal}/mdt/meetings/{meeting}")
    assert "Live: falls twice this month?" in page.text
    assert f'data-live-url="/live/mdt/meetings/{meeting}"' in page.text


async def test_an_action_for_the_practice_reaches_the_gps_open_actions_page(
    mdt_feed: MdtWorld, browser_client: httpx.AsyncClient
) -> None:
    world, portal = mdt_feed, mdt_feed.stack.portal_url
    team = await make_team(world, "Live actions MDT")
    (meeting,) = await book(world, team)
    (case,) = await listed_cases(world, team, meeting, ["Live: medication review?"])
    await sign_in(browser_client, world.stack, "gp")
    watching = await _watching(browser_client, f"{portal}/live/actions")

    due = (date.today() + timedelta(days=14)).isoformat()
    await discuss(world, case, action_part("Live: stop the sedative", str(GP.organisation), due))

    assert await asyncio.wait_for(watching, 45) == f"Organization/{GP.organisation}"
    page = await browser_client.get(f"{portal}/actions")
    assert "Live: stop the sedative" in page.text
    assert 'data-live-url="/live/actions"' in page.text


async def test_a_meeting_stream_is_only_for_a_member_of_its_mdt(
    mdt_feed: MdtWorld, browser_client: httpx.AsyncClient
) -> None:
    world, portal = mdt_feed, mdt_feed.stack.portal_url
    (meeting,) = await book(world, await make_team(world, "Not theirs"))
    await sign_in(browser_client, world.stack, "care-coordinator")  # not a member

    hidden = await browser_client.get(f"{portal}/live/mdt/meetings/{meeting}")
    missing = await browser_client.get(f"{portal}/live/mdt/meetings/no-such-meeting")
    bad_id = await browser_client.get(f"{portal}/live/mdt/meetings/a_b")
    actions = await browser_client.get(f"{portal}/live/actions")  # a GP's page only

    assert [hidden.status_code, missing.status_code, bad_id.status_code] == [404, 404, 404]
    assert hidden.text.replace(meeting, "X") == missing.text.replace("no-such-meeting", "X")
    assert actions.status_code == 403


async def test_a_meeting_stream_says_try_again_while_mdt_is_down(
    mdt_feed: MdtWorld, browser_client: httpx.AsyncClient
) -> None:
    stack = mdt_feed.stack
    await sign_in(browser_client, stack, "gp")
    refused = await stack.while_down(browser_client, "mdt", "/live/mdt/meetings/m1")
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "10"
    mdt_feed.point()  # back at the running mdt service


def test_mdt_events_name_their_meeting_mdt_and_owning_practice() -> None:
    listed = {"case": "Task/c1", "mdt": "CareTeam/t1", "meeting": "Appointment/m1"}
    assigned = {
        "action": "Task/a1",
        "case": "Task/c1",
        "owner": {"reference": None, "display": "GP", "organisation": "A81001"},
    }
    by_role = {"action": "Task/a1", "owner": {"reference": None, "organisation": None}}
    assert references(listed) == ["Appointment/m1", "CareTeam/t1"]
    assert references(listed | {"meeting": None}) == ["CareTeam/t1"]
    assert references(assigned) == ["Organization/A81001"]
    assert references(by_role) == []
