"""Live updates of the MDT pages over real HTTP: mdt's events travel through Kafka (mdt's
own relay) to the portal's worker, which announces them to the open pages' streams. A
case listed and the list assembled reach the MDT member's open meeting page; an action
given to a practice reaches that practice's GP on their actions page; an action
acknowledged reaches the members' actions board and meeting page and its practice's GP,
not another practice's; a stream is only for someone who may read what it is about."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, timedelta

import httpx

from carecoord_devstack.testing import eventually
from portal.events.staff_live import references
from services.portal.tests.staff.conftest import (
    GP,
    OTHER_PRACTICE,
    sign_in,
)
from services.portal.tests.staff.mdt_fixtures import (
    MdtWorld,
    action_part,
    actions_of,
    assemble,
    book,
    discuss,
    listed_cases,
    make_team,
    nominate,
    settle,
)


async def _watch(client: httpx.AsyncClient, url: str) -> tuple[asyncio.Task[None], list[str]]:
    """`url`'s stream read in the background, once it is open: every reference it says
    changed, in order (a notice naming two watched references gives two)."""
    seen: list[str] = []
    opened = asyncio.Event()

    async def read() -> None:
        async with client.stream("GET", url) as stream:
            assert stream.status_code == 200
            async for line in stream.aiter_lines():
                opened.set()
                if line.startswith("data: "):
                    seen.append(line.removeprefix("data: "))

    task = asyncio.create_task(read())
    await asyncio.wait_for(opened.wait(), 20)
    return task, seen


async def _until(seen: list[str], enough: Callable[[list[str]], bool]) -> None:
    async def holds() -> bool:
        return enough(seen)

    await eventually(holds, 45)


async def test_an_assembled_list_reaches_the_members_open_meeting_page(
    mdt_feed: MdtWorld, browser_client: httpx.AsyncClient
) -> None:
    """A case listed is announced before the chair assembles the list (the page shows no
    case yet); the assembly is announced too, and then the page shows the case: no
    listing notice can leave an open page with the list as it was before assembly."""
    world, portal = mdt_feed, mdt_feed.stack.portal_url
    team = await make_team(world, "Live MDT")
    (meeting,) = await book(world, team)
    await sign_in(browser_client, world.stack, "mdt-member")
    watching, seen = await _watch(browser_client, f"{portal}/live/mdt/meetings/{meeting}")

    await nominate(world, team, "Live: falls twice this month?")
    await _until(seen, bool)
    await asyncio.sleep(0.5)  # the listing's other reference, if it names the meeting too
    before = await browser_client.get(f"{portal}/mdt/meetings/{meeting}")
    listed = len(seen)
    await assemble(world, meeting)
    await _until(seen, lambda s: len(s) > listed)
    watching.cancel()

    assert f"CareTeam/{team}" in seen[:listed]
    assert set(seen[listed:]) <= {f"Appointment/{meeting}", f"CareTeam/{team}"}
    assert "Live: falls twice this month?" not in before.text
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
    watching, seen = await _watch(browser_client, f"{portal}/live/actions")

    due = (date.today() + timedelta(days=14)).isoformat()
    await discuss(world, case, action_part("Live: stop the sedative", str(GP.organisation), due))

    await _until(seen, bool)
    watching.cancel()
    assert seen == [f"Organization/{GP.organisation}"]
    page = await browser_client.get(f"{portal}/actions")
    assert "Live: stop the sedative" in page.text
    assert 'data-live-url="/live/actions"' in page.text


async def test_an_acknowledged_action_reaches_the_board_the_meeting_and_only_its_practice(
    mdt_feed: MdtWorld, browser_client: httpx.AsyncClient
) -> None:
    """Two actions of one case (one patient, so their events stay in order): the other
    practice's is acknowledged first, then the GP's own. The chair's open actions board
    and meeting page hear of both; the GP's actions page only of their own practice's."""
    world, portal = mdt_feed, mdt_feed.stack.portal_url
    team = await make_team(world, "Live acknowledgement MDT")
    (meeting,) = await book(world, team)
    (case,) = await listed_cases(world, team, meeting, ["Live: who reviews the meds?"])
    async with httpx.AsyncClient(timeout=20) as gp_client:
        await sign_in(browser_client, world.stack, "mdt-member")
        await sign_in(gp_client, world.stack, "gp")
        streams = [
            await _watch(client, f"{portal}{path}")
            for client, path in (
                (browser_client, "/live/mdt/actions"),
                (browser_client, f"/live/mdt/meetings/{meeting}"),
                (gp_client, "/live/actions"),
            )
        ]
        (_, board), (_, on_meeting), (_, at_gp) = streams
        due = (date.today() + timedelta(days=14)).isoformat()
        ours, theirs = "Live: stop the sedative", "Live: other practice's review"
        own = action_part(ours, str(GP.organisation), due)
        await discuss(world, case, own, action_part(theirs, OTHER_PRACTICE, due))
        await _until(at_gp, bool)  # the GP's action assigned
        ids = await actions_of(world, case)
        await settle(world, ids[theirs], "acknowledge", world.auth("system", None, None))
        await settle(world, ids[ours], "acknowledge", world.gp)

        mdt, here = f"CareTeam/{team}", f"Appointment/{meeting}"
        await _until(at_gp, lambda s: len(s) >= 2)
        await _until(board, lambda s: s.count(mdt) >= 3)  # outcome, both acknowledgements
        await _until(on_meeting, lambda s: s.count(here) >= 2)
        await asyncio.sleep(2)  # anything the GP should not hear would have come by now
        for task, _ in streams:
            task.cancel()
        page = await browser_client.get(f"{portal}/mdt/actions")

    assert at_gp == [f"Organization/{GP.organisation}"] * 2
    assert set(board) == {mdt}
    assert set(on_meeting) == {mdt, here}
    row = page.text[page.text.index(f'id="action-{ids[ours]}"') :]
    assert "Acknowledged" in row[: row.index("</tr>")]
    assert 'data-live-url="/live/mdt/actions"' in page.text


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
    board = await browser_client.get(f"{portal}/live/mdt/actions")  # a member of no MDT

    assert [hidden.status_code, missing.status_code, bad_id.status_code] == [404, 404, 404]
    assert board.status_code == 404
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
    settled = assigned | {"mdt": "CareTeam/t1", "meeting": "Appointment/m1"}
    assert references(settled) == ["Appointment/m1", "CareTeam/t1", "Organization/A81001"]
    assembled = listed | {"list": "List/l1", "cases": ["Task/c1"], "overflow": []}
    assert references(assembled) == ["Appointment/m1", "CareTeam/t1"]
