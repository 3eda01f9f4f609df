"""The MDT pages over real HTTP (no JavaScript), against the real mdt service.

Signed in through the real OIDC flow as the demo MDT member, who chairs the test MDT;
the portal calls mdt with the chair's own token, and what is saved is read back from
mdt's FHIR API, never from the portal.
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
    case_task,
    discuss,
    listed_meeting,
    state_of,
)


@pytest.fixture(scope="module")
async def meeting(with_mdt: MdtWorld) -> dict[str, Any]:
    team_name = unique("North MDT")
    questions = [unique("Falls: intermediate care?") for _ in range(4)]
    made = await listed_meeting(with_mdt, team_name, questions)
    return {
        "team": made.team,
        "name": team_name,
        "meeting": made.meeting,
        "cases": made.cases,
        "questions": questions,
    }


def _form(page: str, **fields: str) -> dict[str, str]:
    version = page.split('name="version" value="')[1].split('"')[0]
    started = page.split('name="started" value="')[1].split('"')[0]
    return {"version": version, "started": started, **fields}


async def test_my_mdts_list_the_meeting_and_its_cases_in_order(
    with_mdt: MdtWorld, meeting: dict[str, Any], browser_client: httpx.AsyncClient
) -> None:
    member = await signed_in(browser_client, with_mdt.stack, "mdt-member")

    teams = await member.get("/mdt")
    assert teams.status_code == 200, teams.text
    assert meeting["name"] in teams.text
    assert "You chair this MDT" in teams.text
    assert f'href="/mdt/meetings/{meeting["meeting"]}"' in teams.text

    listed = await member.get(f"/mdt/meetings/{meeting['meeting']}")
    assert listed.status_code == 200, listed.text
    assert "4 cases listed (room for 28 cases); 4 still to discuss" in listed.text
    positions = [listed.text.index(q) for q in meeting["questions"]]
    order = [listed.text.index(f"/cases/{c}") for c in meeting["cases"]]
    assert order == sorted(order)
    assert len(positions) == 4
    assert "Not ready" in listed.text, "no care plan review date known: flagged not ready"


async def test_meeting_mode_records_an_outcome_with_an_action_and_moves_on(
    with_mdt: MdtWorld, meeting: dict[str, Any], browser_client: httpx.AsyncClient
) -> None:
    first, second = meeting["cases"][:2]
    base = f"/mdt/meetings/{meeting['meeting']}/cases"
    member = await signed_in(browser_client, with_mdt.stack, "mdt-member")
    page = await member.get(f"{base}/{first}")
    assert page.status_code == 200, page.text
    assert "Case 1 of 4" in page.text
    assert 'accesskey="s"' in page.text
    due = (date.today() + timedelta(days=14)).isoformat()

    saved = await member.post(
        f"{base}/{first}",
        _form(
            page.text, status="discussed", summary="Frail, two falls; carer exhausted.",
            decisions="Refer to intermediate care\nCarer's assessment", plan_reviewed="yes",
            **{"action-1": "Review medication", "action-1-owner": f"practice:{GP.organisation}",
               "action-1-due": due},
            then="next",
        ),
    )  # fmt: skip

    assert saved.status_code == 303, saved.text
    assert saved.headers["location"].endswith(f"/cases/{second}?saved=discussed&moved=1")
    task = await case_task(with_mdt, first)
    assert state_of(task) == "discussed"
    assert any(i["type"]["text"] == "minutes-spent" for i in task["input"])
    record = await with_mdt.call(
        "GET", task["output"][0]["valueReference"]["reference"], with_mdt.chair
    )
    assert "Refer to intermediate care" in record.text
    actions = await with_mdt.call("GET", f"Task?part-of=Task/{first}", with_mdt.gp)
    assert [e["resource"]["description"] for e in actions.json()["entry"]] == ["Review medication"]
    shown = await member.get(f"{base}/{first}")
    assert "Outcome recorded" in shown.text
    assert "Frail, two falls" in shown.text


async def test_bad_input_is_explained_and_nothing_is_saved(
    with_mdt: MdtWorld, meeting: dict[str, Any], browser_client: httpx.AsyncClient
) -> None:
    case = meeting["cases"][3]
    path = f"/mdt/meetings/{meeting['meeting']}/cases/{case}"
    member = await signed_in(browser_client, with_mdt.stack, "mdt-member")
    page = await member.get(path)
    yesterday = (date.today() - timedelta(days=1)).isoformat()

    refused = await member.post(
        path,
        _form(
            page.text, status="discussed", summary="",
            **{"action-1": "Call the family", "action-1-owner": "role:GP",
               "action-1-due": yesterday},
        ),
    )  # fmt: skip

    assert refused.status_code == 400
    assert "Enter a summary of the discussion" in refused.text
    assert "Enter a due date for action 1, today or later" in refused.text
    assert 'value="Call the family"' in refused.text, "what was typed is kept"
    assert state_of(await case_task(with_mdt, case)) == "listed"


async def test_a_second_chair_saving_late_sees_the_first_outcome_and_keeps_their_words(
    with_mdt: MdtWorld, meeting: dict[str, Any]
) -> None:
    case = meeting["cases"][2]
    path = f"/mdt/meetings/{meeting['meeting']}/cases/{case}"
    async with httpx.AsyncClient(timeout=20) as one, httpx.AsyncClient(timeout=20) as other:
        first = await signed_in(one, with_mdt.stack, "mdt-member")
        second = await signed_in(other, with_mdt.stack, "mdt-member")
        page_1, page_2 = (await first.get(path)).text, (await second.get(path)).text
        won = await first.post(
            path, _form(page_1, status="deferred", summary="Waiting for bloods.")
        )
        late = await second.post(
            path, _form(page_2, status="discussed", summary="My words, typed late.")
        )

    assert won.status_code == 303
    assert late.status_code == 409, late.text
    assert "Someone else recorded this case first" in late.text
    assert "Waiting for bloods." in late.text, "what the first chair recorded is shown"
    assert "Community nurse (chair)</dd>" in late.text, "and who recorded it"
    assert "My words, typed late." in late.text, "what this chair typed is kept"
    assert "save it again" in late.text, "a deferred case is still open: it can be re-applied"
    assert state_of(await case_task(with_mdt, case)) == "deferred"


async def test_the_gp_acknowledges_and_completes_their_practices_action(
    with_mdt: MdtWorld, meeting: dict[str, Any], browser_client: httpx.AsyncClient
) -> None:
    case, due = meeting["cases"][1], (date.today() + timedelta(days=7)).isoformat()
    action = unique("Start a falls diary")
    await discuss(with_mdt, case, action_part(action, str(GP.organisation), due))
    found = await with_mdt.call("GET", f"Task?part-of=Task/{case}", with_mdt.gp)
    action_id = found.json()["entry"][0]["resource"]["id"]
    gp = await signed_in(browser_client, with_mdt.stack, "gp")
    page = await gp.get("/actions")
    assert page.status_code == 200, page.text
    assert action in page.text
    assert "Waiting for you to acknowledge" in page.text

    for step, status in (("acknowledge", "accepted"), ("complete", "completed")):
        done = await gp.post(f"/actions/{action_id}/{step}")
        assert done.status_code == 303, done.text
        stored = await with_mdt.call("GET", f"Task/{action_id}", with_mdt.gp)
        assert stored.json()["status"] == status
        page = await gp.get("/actions")
    assert "Completed" in page.text


async def test_the_chair_records_attendance_by_discipline(
    with_mdt: MdtWorld, browser_client: httpx.AsyncClient
) -> None:
    meeting = (await listed_meeting(with_mdt, unique("Attendance MDT"), [])).meeting
    path = f"/mdt/meetings/{meeting}"
    member = await signed_in(browser_client, with_mdt.stack, "mdt-member")
    page = await member.get(path)
    assert "Who is at the meeting" in page.text
    empty = await member.post(f"{path}/attendance")
    assert empty.status_code == 400
    assert "Choose who is at the meeting" in empty.text

    held = await member.post(f"{path}/attendance", {"attendee": GP.subject})

    assert held.status_code == 303, held.text
    found = await with_mdt.call(
        "GET", f"Encounter?appointment=Appointment/{meeting}", with_mdt.chair
    )
    (encounter,) = [e["resource"] for e in found.json()["entry"]]
    assert [p["individual"]["identifier"]["value"] for p in encounter["participant"]] == [
        GP.subject
    ]
    shown = await member.get(path)
    assert '<ul class="nhsuk-list nhsuk-list--bullet" id="attended">' in shown.text
    assert "<li>GP</li>" in shown.text


async def test_finish_meeting_moves_the_cases_not_reached_to_the_next_meeting(
    with_mdt: MdtWorld, browser_client: httpx.AsyncClient
) -> None:
    made = await listed_meeting(with_mdt, unique("Finishing MDT"), [unique("Q") for _ in range(3)])
    meeting, following, cases = made.meeting, made.following, made.cases
    await discuss(with_mdt, cases[0])
    path = f"/mdt/meetings/{meeting}"
    member = await signed_in(browser_client, with_mdt.stack, "mdt-member")
    await member.get(path)

    finished = await member.post(f"{path}/finish")

    assert finished.status_code == 303, finished.text
    assert finished.headers["location"].endswith("?finished=1&moved=2")
    assert state_of(await case_task(with_mdt, cases[0])) == "discussed"
    for case in cases[1:]:
        task = await case_task(with_mdt, case)
        assert state_of(task) == "not-discussed"
        meetings = [
            i["valueReference"]["reference"]
            for i in task["input"]
            if i["type"]["text"] == "meeting"
        ]
        assert meetings == [f"Appointment/{following}"]
    shown = await member.get(finished.headers["location"])
    assert "2 not reached moved to the next meeting" in shown.text
    assert "0 still to discuss" in shown.text
