"""The chasers (hazards O2 and O4): an unrecorded red-flag callback, or an unanswered
request, is escalated to the duty clinician and co-ordinator, then to the practice.

The real portal on its own database, the job run as the worker runs it, and the test's
clock moved on: each step is a Task and an event in the outbox, made once however often
the job runs, and closed when the callback is recorded or the request answered.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from carecoord_shared.security.principal import system_principal
from carecoord_shared.service import JobCall
from portal.config.front_door import FrontDoorSettings
from portal.jobs import front_door_chasers
from services.portal.tests.front_door.conftest import (
    WEDNESDAY_10AM,
    Portal,
    coordinator_assigned,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

PRACTICE = "A81001"
_REQUEST = re.compile(r'href="/my/requests/([^"]+)"')


async def _run(portal: Portal) -> int:
    state = portal.app.state
    call = JobCall(state.fhir, state.context, system_principal("portal"))
    return await front_door_chasers.JOB.run(call)


async def _chases(portal: Portal, nhs: str, code: str) -> list[dict[str, Any]]:
    found = await portal.scalar(
        "SELECT coalesce(jsonb_agg(convert_from(content, 'UTF8')::jsonb), '[]'::jsonb) "
        "FROM resource WHERE resource_type = 'Task' AND patient_nhs = :nhs "
        "AND convert_from(content, 'UTF8')::jsonb -> 'code' -> 'coding' -> 0 ->> 'code' = :code",
        nhs=nhs,
        code=code,
    )
    return sorted(found, key=lambda t: t["identifier"][0]["value"])


async def _chased(portal: Portal, kind: str, level: int) -> float:
    return await portal.counter("portal_front_door_chases_total", kind=kind, level=str(level))


async def _patient_with_a_co_ordinator(portal: Portal, level: Any = "P5") -> str:
    nhs = await portal.sign_in(level)
    await portal.register(nhs, PRACTICE)
    await portal.deliver(
        "carecoord.coordinator.assigned.v1", nhs, coordinator_assigned("Chris Coordinator")
    )
    return nhs


@pytest.fixture(autouse=True)
def _clock_back(portal: Portal) -> Any:
    portal.clock.now = WEDNESDAY_10AM
    yield
    portal.clock.now = WEDNESDAY_10AM


async def test_an_unrecorded_red_flag_callback_is_chased_then_escalated_to_the_practice(
    portal: Portal,
) -> None:
    nhs = await _patient_with_a_co_ordinator(portal)
    await portal.ask(age="70", sex="female", answer="other-problem", text="my face dropped")
    before = [await _chased(portal, "callback", level) for level in (1, 2)]

    portal.clock.now = WEDNESDAY_10AM + timedelta(minutes=14)
    await _run(portal)
    early = await _chases(portal, nhs, "callback-overdue")
    portal.clock.now = WEDNESDAY_10AM + timedelta(minutes=16)
    await _run(portal)
    await _run(portal)  # a rerun (or a second worker) adds nothing
    first = await _chases(portal, nhs, "callback-overdue")
    portal.clock.now = WEDNESDAY_10AM + timedelta(minutes=31)
    await _run(portal)
    both = await _chases(portal, nhs, "callback-overdue")

    assert early == []
    assert [(t["priority"], t["owner"]) for t in first] == [
        ("stat", {"reference": "Practitioner/duty-clinician"})
    ]
    assert first[0]["restriction"]["recipient"] == [{"reference": "Practitioner/chris"}]
    assert first[0]["partOf"][0]["reference"].startswith("Task/")
    assert both[1]["owner"]["identifier"]["value"] == PRACTICE
    after = [await _chased(portal, "callback", level) for level in (1, 2)]
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1]  # in /metrics, once each
    events = await portal.events(nhs, "carecoord.portal.callback-overdue.v1")
    assert [(e["level"], e["to"]) for e in events] == [
        (1, ["Practitioner/duty-clinician", "Practitioner/chris"]),
        (2, [PRACTICE]),
    ]


async def test_a_callback_recorded_in_time_is_never_chased_and_recording_closes_chases(
    portal: Portal,
) -> None:
    on_time = await _patient_with_a_co_ordinator(portal)
    await portal.ask(age="70", sex="female", answer="other-problem", text="my face dropped")
    late = await _patient_with_a_co_ordinator(portal)
    await portal.ask(age="70", sex="female", answer="other-problem", text="my face dropped")
    await portal.sign_in_staff("gp", PRACTICE)
    token = await portal.csrf("/duty/callbacks")
    page = (await portal.client.get("/duty/callbacks")).text

    async def reached(nhs: str) -> None:
        card = page[page.index(f"NHS number {nhs}") :]
        found = re.search(
            r'action="/duty/callbacks/([^"]+)".*?name="version" value="(\d+)"', card, re.S
        )
        assert found
        data = {"csrf_token": token, "version": found.group(2), "outcome": "reached"}
        assert (
            await portal.client.post(f"/duty/callbacks/{found.group(1)}", data=data)
        ).status_code == 303

    portal.clock.now = WEDNESDAY_10AM + timedelta(minutes=10)
    await reached(on_time)
    portal.clock.now = WEDNESDAY_10AM + timedelta(minutes=20)
    await _run(portal)
    await reached(late)
    portal.clock.now = WEDNESDAY_10AM + timedelta(hours=3)
    await _run(portal)

    assert await _chases(portal, on_time, "callback-overdue") == []
    closed = await _chases(portal, late, "callback-overdue")
    assert [t["status"] for t in closed] == ["completed"]  # and no second step after it


async def test_an_unanswered_request_is_chased_then_escalated_and_an_answer_closes_it(
    portal: Portal,
) -> None:
    nhs = await _patient_with_a_co_ordinator(portal, "P9")
    sent = await portal.ask(age="72", sex="male", answer="plan-question", text="When is my review?")
    assert sent.status_code == 200, sent.text
    request_id = _REQUEST.findall((await portal.client.get("/my/plan")).text)[0]

    portal.clock.now = WEDNESDAY_10AM + timedelta(hours=23)
    await _run(portal)
    early = await _chases(portal, nhs, "reply-overdue")
    portal.clock.now = WEDNESDAY_10AM + timedelta(hours=25)
    await _run(portal)
    portal.clock.now = WEDNESDAY_10AM + timedelta(hours=49)
    await _run(portal)
    await _run(portal)
    both = await _chases(portal, nhs, "reply-overdue")
    await portal.sign_in_staff("care-coordinator", PRACTICE)
    token = await portal.csrf(f"/duty/requests/{request_id}")
    reply = {"csrf_token": token, "message": "Your review is on Friday.", "answers": "yes"}
    answered = await portal.client.post(f"/duty/requests/{request_id}", data=reply)

    assert early == []
    assert [(t["priority"], t["focus"]["reference"]) for t in both] == [
        ("urgent", f"CommunicationRequest/{request_id}")
    ] * 2
    assert both[1]["owner"]["identifier"]["value"] == PRACTICE
    events = await portal.events(nhs, "carecoord.portal.reply-overdue.v1")
    assert [e["level"] for e in events] == [1, 2]
    assert answered.status_code == 303, answered.text
    closed = await _chases(portal, nhs, "reply-overdue")
    assert [t["status"] for t in closed] == ["completed", "completed"]


async def test_a_request_routed_away_from_the_practice_is_not_chased(portal: Portal) -> None:
    nhs = await _patient_with_a_co_ordinator(portal)
    routed = await portal.ask(age="30", sex="female", answer="uti-symptoms")
    assert routed.status_code == 200, routed.text

    portal.clock.now = WEDNESDAY_10AM + timedelta(days=5)
    await _run(portal)

    assert await _chases(portal, nhs, "reply-overdue") == []
    assert await portal.events(nhs, "carecoord.portal.reply-overdue.v1") == []


async def test_the_interval_and_bounds_are_settings() -> None:
    with pytest.raises(ValueError, match="practice is told after"):
        FrontDoorSettings(
            front_door_callback_chase_minutes=30, front_door_callback_practice_minutes=20
        )
    settings = FrontDoorSettings(front_door_chase_interval_s=7)
    assert front_door_chasers.JOB.interval_s(settings) == 7


async def test_a_patients_message_unread_is_chased_until_the_team_opens_the_thread(
    portal: Portal,
) -> None:
    nhs = await _patient_with_a_co_ordinator(portal, "P9")
    await portal.ask(age="72", sex="male", answer="plan-question", text="When is my review?")
    request_id = _REQUEST.findall((await portal.client.get("/my/plan")).text)[0]
    thread = f"/duty/requests/{request_id}"
    await portal.sign_in_staff("care-coordinator", PRACTICE)
    reply = {"csrf_token": await portal.csrf(thread), "message": "Friday.", "answers": "yes"}
    assert (await portal.client.post(thread, data=reply)).status_code == 303
    await portal.sign_in("P9", nhs)  # the request is answered; the patient writes again
    mine = f"/my/requests/{request_id}"
    again = {"csrf_token": await portal.csrf(mine), "message": "I feel worse since."}
    assert (await portal.client.post(mine, data=again)).status_code == 303
    unread_to_patient = (await portal.client.get(mine)).text

    portal.clock.now = WEDNESDAY_10AM + timedelta(hours=23)
    await _run(portal)
    early = await _chases(portal, nhs, "message-overdue")
    portal.clock.now = WEDNESDAY_10AM + timedelta(hours=49)
    await _run(portal)
    await _run(portal)  # each step once
    both = await _chases(portal, nhs, "message-overdue")
    await portal.sign_in_staff("care-coordinator", PRACTICE)
    listed = (await portal.client.get("/duty/requests")).text
    opened = await portal.client.get(thread)
    after = (await portal.client.get("/duty/requests")).text
    await portal.sign_in("P9", nhs)
    read_to_patient = (await portal.client.get(mine)).text

    assert early == []
    assert [(t["priority"], t["focus"]["reference"]) for t in both] == [
        ("urgent", f"CommunicationRequest/{request_id}")
    ] * 2
    assert both[0]["restriction"]["recipient"] == [{"reference": "Practitioner/chris"}]
    assert both[1]["owner"]["identifier"]["value"] == PRACTICE
    events = await portal.events(nhs, "carecoord.portal.reply-overdue.v1")
    unread = [e for e in events if "message" in e]
    assert [(e["level"], e["chased"]) for e in unread] == [
        (1, f"CommunicationRequest/{request_id}"),
        (2, f"CommunicationRequest/{request_id}"),
    ]
    assert unread[0]["message"].startswith("Communication/")
    assert f'href="{thread}"' in listed  # answered, yet listed while a message is unread
    assert "New message" in listed
    assert opened.status_code == 200
    assert "New</strong>" in opened.text
    assert f'href="{thread}"' not in after
    assert "Not read yet" in unread_to_patient
    assert "Not read yet" not in read_to_patient
    closed = await _chases(portal, nhs, "message-overdue")
    assert [t["status"] for t in closed] == ["completed", "completed"]
    read = await portal.scalar(
        "SELECT convert_from(content, 'UTF8')::jsonb ->> 'status' FROM resource "
        "WHERE resource_type = 'Communication' AND patient_nhs = :nhs AND "
        "convert_from(content, 'UTF8')::jsonb ? 'received'",
        nhs=nhs,
    )
    assert read == "completed"
