"""During and after the meeting: outcomes, actions, acknowledgement, escalation, roll-over."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from mdt.worker import escalate_once
from services.mdt.tests.conftest import (
    NURSE,
    ODS,
    PRACTICE_A,
    PRACTICE_B,
    Mdt,
    business_status,
    outcome_codes,
    parameters,
)


def action(description: str, kind: str, due: date, **owner: Any) -> dict[str, Any]:
    part: list[dict[str, Any]] = [
        {"name": "description", "valueString": description},
        {"name": "ownerKind", "valueCode": kind},
        {"name": "dueOn", "valueDate": due.isoformat()},
    ]
    if "practice" in owner:
        part.append(
            {
                "name": "ownerOrganisation",
                "valueIdentifier": {"system": ODS, "value": owner["practice"]},
            }
        )
    if "display" in owner:
        part.append({"name": "ownerDisplay", "valueString": owner["display"]})
    if "reference" in owner:
        part.append({"name": "owner", "valueReference": {"reference": owner["reference"]}})
    return {"name": "action", "part": part}


async def listed_case(mdt: Mdt) -> tuple[str, str, list[str]]:
    mdt_id = await mdt.team()
    meetings = await mdt.meetings(mdt_id, count=1)
    case_id = (await mdt.nominate(mdt_id, await mdt.patient())).json()["id"]
    assembled = await mdt.post(f"Appointment/{meetings[0]}/$assemble-case-list", parameters())
    assert assembled.status_code == 200
    return mdt_id, case_id, meetings


async def practice_action(mdt: Mdt) -> str:
    """A discussed case with one action for practice A, due today; the action's id."""
    _, case_id, _ = await listed_case(mdt)
    body = parameters(("status", "valueCode", "discussed"))
    body["parameter"].append(
        action("Review medication", "organisation", date.today(), practice=PRACTICE_A)
    )
    assert (await mdt.post(f"Task/{case_id}/$record-outcome", body)).status_code == 200
    return str(await mdt.scalar("select id from mdt_action where case_id = :c", c=case_id))


async def test_discussed_case_gets_an_outcome_record_and_actions(mdt: Mdt) -> None:
    _, case_id, _ = await listed_case(mdt)
    body = parameters(
        ("status", "valueCode", "discussed"),
        ("summary", "valueString", "Agreed a plan for falls"),
        ("decision", "valueString", "Refer to intermediate care"),
        ("minutesSpent", "valueDecimal", 4.5),
        ("planReviewed", "valueBoolean", True),
    )
    soon = date.today() + timedelta(days=14)
    body["parameter"] += [
        action("Review medication", "organisation", soon, practice=PRACTICE_A),
        action("Home visit", "role", soon, display="Community nurse"),
    ]
    response = await mdt.post(
        f"Task/{case_id}/$record-outcome", body, role="mdt-member", user=NURSE
    )
    assert response.status_code == 200, response.text
    case = response.json()
    assert business_status(case) == "discussed"
    assert case["status"] == "completed"
    composition = (await mdt.get(case["output"][0]["valueReference"]["reference"])).json()
    assert composition["resourceType"] == "Composition"
    assert len(composition["section"][2]["entry"]) == 2
    assigned = await mdt.scalar(
        "select count(*) from outbox where type = 'carecoord.mdt.action-assigned.v1'"
        " and convert_from(payload, 'UTF8')::jsonb ->> 'case' = :c",
        c=f"Task/{case_id}",
    )
    assert assigned == 2
    again = await mdt.post(f"Task/{case_id}/$record-outcome", body)
    assert again.status_code == 409


async def test_practice_acknowledges_its_action_and_no_one_else_can(mdt: Mdt) -> None:
    action_id = await practice_action(mdt)
    other = await mdt.post(f"Task/{action_id}/$acknowledge", parameters(), organisation=PRACTICE_B)
    assert other.status_code in (403, 404)
    acknowledged = await mdt.post(f"Task/{action_id}/$acknowledge", parameters())
    assert acknowledged.status_code == 200, acknowledged.text
    assert business_status(acknowledged.json()) == "acknowledged"
    twice = await mdt.post(f"Task/{action_id}/$acknowledge", parameters())
    assert twice.status_code == 409


async def test_unacknowledged_overdue_action_escalates_once(mdt: Mdt) -> None:
    action_id = await practice_action(mdt)
    await mdt.execute("update mdt_action set due_on = current_date - 1 where id = :a", a=action_id)
    registry = mdt.app.state.mdt_registry
    assert await escalate_once(mdt.engine, registry, mdt.settings.topic) >= 1
    assert await escalate_once(mdt.engine, registry, mdt.settings.topic) == 0
    task = (await mdt.get(f"Task/{action_id}")).json()
    assert business_status(task) == "overdue"
    overdue = await mdt.scalar(
        "select count(*) from outbox where type = 'carecoord.mdt.action-overdue.v1'"
        " and convert_from(payload, 'UTF8')::jsonb ->> 'action' = :a",
        a=f"Task/{action_id}",
    )
    assert overdue == 1


async def test_acknowledged_action_is_not_escalated(mdt: Mdt) -> None:
    action_id = await practice_action(mdt)
    await mdt.post(f"Task/{action_id}/$acknowledge", parameters())
    await mdt.execute("update mdt_action set due_on = current_date - 1 where id = :a", a=action_id)
    await escalate_once(mdt.engine, mdt.app.state.mdt_registry, mdt.settings.topic)
    assert await mdt.scalar("select overdue_at from mdt_action where id = :a", a=action_id) is None


async def test_deferred_case_rolls_over_to_the_next_meeting(mdt: Mdt) -> None:
    _mdt_id, case_id, meetings = await listed_case(mdt)
    response = await mdt.post(
        f"Task/{case_id}/$record-outcome",
        parameters(
            ("status", "valueCode", "deferred"), ("summary", "valueString", "Awaiting results")
        ),
    )
    assert response.status_code == 200, response.text
    assert business_status(response.json()) == "deferred"
    next_meeting = await mdt.scalar("select meeting_id from mdt_case where id = :c", c=case_id)
    assert next_meeting not in (None, meetings[0])
    assembled = await mdt.post(f"Appointment/{next_meeting}/$assemble-case-list", parameters())
    assert [e["item"]["reference"] for e in assembled.json()["entry"]] == [f"Task/{case_id}"]
    assert await mdt.scalar("select open from mdt_case where id = :c", c=case_id) is True


async def test_actions_due_in_the_past_are_refused(mdt: Mdt) -> None:
    _, case_id, _ = await listed_case(mdt)
    body = parameters(("status", "valueCode", "discussed"))
    body["parameter"].append(action("x", "role", date.today() - timedelta(days=1), display="GP"))
    response = await mdt.post(f"Task/{case_id}/$record-outcome", body)
    assert response.status_code == 422
    assert await mdt.scalar("select open from mdt_case where id = :c", c=case_id) is True


async def test_actions_on_a_deferred_case_are_refused(mdt: Mdt) -> None:
    _, case_id, _ = await listed_case(mdt)
    body = parameters(("status", "valueCode", "deferred"))
    body["parameter"].append(action("x", "role", date.today(), display="GP"))
    response = await mdt.post(f"Task/{case_id}/$record-outcome", body)
    assert response.status_code == 422
    assert outcome_codes(response) == ["business-rule"]
