"""The MDT members' actions board and the quorum warning, over real HTTP (no JavaScript).

Signed in through the real OIDC flow as the demo MDT member (chair of the test MDTs,
whose role is "Community nurse"; the demo GP is the other member). The actions are
recorded over the mdt service's FHIR API as a chair's meeting would; the board reads
them with the member's own token, and what the board changes is read back from mdt.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from services.portal.tests.staff.conftest import GP, signed_in, unique
from services.portal.tests.staff.mdt_fixtures import (
    MdtWorld,
    action_part,
    discuss,
    listed_meeting,
)


def _in(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


@pytest.fixture(scope="module")
async def board(with_mdt: MdtWorld) -> dict[str, Any]:
    """An MDT whose two discussed cases gave three actions (two to the GP's practice, one
    to the MDT's community nurse), due in 20, 5 and 10 days."""
    name = unique("Board MDT")
    made = await listed_meeting(with_mdt, name, [unique("B1"), unique("B2")])
    first, second = made.cases
    words = {k: unique(k) for k in ("Diary", "Nurse visit", "Medication review")}
    await discuss(
        with_mdt, first,
        action_part(words["Diary"], GP.organisation or "", _in(20)),
        action_part(words["Nurse visit"], "Community nurse", _in(5)),
    )  # fmt: skip
    await discuss(
        with_mdt, second, action_part(words["Medication review"], GP.organisation or "", _in(10))
    )
    return {"team": made.team, "name": name, "words": words}


async def test_the_board_shows_every_action_by_due_date_and_filters_by_owner_and_mdt(
    with_mdt: MdtWorld, board: dict[str, Any], browser_client: httpx.AsyncClient
) -> None:
    words = board["words"]
    member = await signed_in(browser_client, with_mdt.stack, "mdt-member")
    teams = await member.get("/mdt")
    assert 'href="/mdt/actions"' in teams.text

    page = await member.get("/mdt/actions")

    assert page.status_code == 200, page.text
    shown = [page.text.index(words[k]) for k in ("Nurse visit", "Medication review", "Diary")]
    assert shown == sorted(shown), "by due date: 5, 10 then 20 days"
    assert f"GP practice {GP.organisation}" in page.text
    assert "Waiting to be acknowledged" in page.text
    assert "Waiting for the practice to acknowledge" in page.text, "the MDT is not the owner"
    assert "Waiting for you to acknowledge" not in page.text
    nurse = await member.get("/mdt/actions", owner="Community nurse", team=board["name"])
    assert words["Nurse visit"] in nurse.text
    assert words["Diary"] not in nurse.text
    other = await member.get("/mdt/actions", team="No such MDT")
    assert words["Nurse visit"] not in other.text
    assert "No action matches." in other.text


async def test_a_member_marks_an_action_done_and_the_board_keeps_its_filter(
    with_mdt: MdtWorld, board: dict[str, Any], browser_client: httpx.AsyncClient
) -> None:
    nurse_visit = board["words"]["Nurse visit"]
    member = await signed_in(browser_client, with_mdt.stack, "mdt-member")
    page = await member.get("/mdt/actions", owner="Community nurse", team=board["name"])
    action_id = page.text.split(nurse_visit)[0].rsplit('id="action-', 1)[1].split('"')[0]

    done = await member.post(
        f"/mdt/actions/{action_id}/complete", {"state": "open", "owner": "Community nurse"}
    )

    assert done.status_code == 303, done.text
    assert done.headers["location"].startswith("/mdt/actions?state=open&owner=Community+nurse")
    stored = await with_mdt.call("GET", f"Task/{action_id}", with_mdt.chair)
    assert stored.json()["status"] == "completed"
    open_now = await member.get(done.headers["location"])
    assert "Marked as done." in open_now.text
    assert nurse_visit not in open_now.text
    finished = await member.get("/mdt/actions", state="completed")
    assert nurse_visit in finished.text


@pytest.mark.parametrize(
    ("who", "board", "step"),
    [("gp", "/actions", "acknowledge"), ("mdt-member", "/mdt/actions", "complete")],
)
async def test_settling_an_action_that_is_not_theirs_is_refused_on_the_page(
    with_mdt: MdtWorld, browser_client: httpx.AsyncClient, who: str, board: str, step: str
) -> None:
    user = await signed_in(browser_client, with_mdt.stack, who)
    await user.get(board)  # the page whose form is posted
    refused = await user.post(f"{board}/no-such-action/{step}")
    assert refused.status_code == 409
    assert "There is a problem" in refused.text


async def test_a_gp_who_is_a_member_sees_the_mdts_actions_too(
    with_mdt: MdtWorld, board: dict[str, Any], browser_client: httpx.AsyncClient
) -> None:
    gp = await signed_in(browser_client, with_mdt.stack, "gp")
    page = await gp.get("/mdt/actions")
    assert page.status_code == 200, page.text
    assert board["words"]["Medication review"] in page.text


async def test_quorum_warns_of_the_core_disciplines_and_the_cases_nobody_present_covers(
    with_mdt: MdtWorld, browser_client: httpx.AsyncClient
) -> None:
    question = unique("Falls: intermediate care?")
    made = await listed_meeting(with_mdt, unique("Quorum MDT"), [question])
    (case,) = made.cases
    path = f"/mdt/meetings/{made.meeting}"
    member = await signed_in(browser_client, with_mdt.stack, "mdt-member")
    before = await member.get(path)
    assert "Not quorate" not in before.text, "no warning before attendance is taken"

    held = await member.post(f"{path}/attendance", {"attendee": GP.subject})

    assert held.status_code == 303, held.text
    page = await member.get(path)
    assert "Not quorate" in page.text
    assert (
        "Nobody present covers: community nurse, mental health professional, social care "
        "professional, pharmacist, voluntary sector link worker." in page.text
    )
    assert "Needs social care professional: nobody present" in page.text, "carer strain"
    shown = await member.get(f"{path}/cases/{case}")
    assert 'id="case-quorum"' in shown.text
    assert "Needs social care professional: nobody present covers it." in shown.text
