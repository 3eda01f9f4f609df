"""The duty clinician's callback page: the open red-flag callbacks, and recording each."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from services.portal.tests.front_door.conftest import Portal

pytestmark = pytest.mark.asyncio(loop_scope="session")

PRACTICE, OTHER_PRACTICE = "A81001", "B82002"
_FORM = re.compile(r'action="/duty/callbacks/([^"]+)".*?name="version" value="(\d+)"', re.S)


async def _red_flag(portal: Portal, practice: str, phone: str = "") -> str:
    """A P5 patient of `practice` discloses a red flag; their NHS number."""
    nhs = await portal.sign_in("P5")
    await portal.register(nhs, practice)
    said = {"answer": "other-problem", "text": "my face dropped", "phone": phone}
    page = await portal.ask(age="70", sex="female", **said)
    assert page.status_code == 200, page.text
    assert "Call 999 now" in page.text
    return nhs


async def _task(portal: Portal, nhs: str) -> dict[str, Any]:
    found = await portal.scalar(
        "SELECT convert_from(content, 'UTF8')::jsonb FROM resource "
        "WHERE resource_type = 'Task' AND patient_nhs = :nhs",
        nhs=nhs,
    )
    assert isinstance(found, dict)
    return found


async def _open_for(portal: Portal, nhs: str) -> tuple[str, str]:
    page = await portal.client.get("/duty/callbacks")
    assert page.status_code == 200, page.text
    card = page.text[page.text.index(f"NHS number {nhs}") :]
    found = _FORM.search(card)
    assert found, card[:800]
    return found.group(1), found.group(2)


async def test_the_duty_clinician_sees_their_patients_callback_and_records_it(
    portal: Portal,
) -> None:
    ours, theirs = await _red_flag(portal, PRACTICE), await _red_flag(portal, OTHER_PRACTICE)
    await portal.sign_in_staff("gp", PRACTICE)

    listed = await portal.client.get("/duty/callbacks")
    task_id, version = await _open_for(portal, ours)
    token = await portal.csrf("/duty/callbacks")
    tried = await portal.client.post(
        f"/duty/callbacks/{task_id}",
        data={"csrf_token": token, "version": version, "outcome": "no-answer", "note": ""},
    )
    task_id, version = await _open_for(portal, ours)
    reached = await portal.client.post(
        f"/duty/callbacks/{task_id}",
        data={
            "csrf_token": token,
            "version": version,
            "outcome": "reached",
            "note": "Ambulance called <b>now</b>",
        },
    )

    assert theirs not in listed.text  # another practice's patient is not on the list
    assert (tried.status_code, reached.status_code) == (303, 303)
    task = await _task(portal, ours)
    assert task["status"] == "completed"
    notes = [n["text"] for n in task["note"]]
    assert [n.split(" ", 4)[-1] for n in notes] == [
        "No answer: try again",
        "Spoke to the patient: Ambulance called <b>now</b>",
    ]
    after = await portal.client.get("/duty/callbacks?saved=1")
    assert f"NHS number {ours}" not in after.text
    assert "Callback recorded." in after.text


async def test_a_callback_recorded_from_an_old_page_is_refused_and_changes_nothing(
    portal: Portal,
) -> None:
    nhs = await _red_flag(portal, PRACTICE)
    await portal.sign_in_staff("gp", PRACTICE)
    task_id, version = await _open_for(portal, nhs)
    token = await portal.csrf("/duty/callbacks")
    data = {"csrf_token": token, "version": version, "outcome": "no-answer"}
    assert (await portal.client.post(f"/duty/callbacks/{task_id}", data=data)).status_code == 303

    stale = await portal.client.post(f"/duty/callbacks/{task_id}", data=data)

    assert stale.status_code == 409
    assert "Someone else recorded a call" in stale.text
    assert len((await _task(portal, nhs))["note"]) == 1


@pytest.mark.parametrize(
    ("who", "status"), [("other-practice", 404), ("patient", 403), ("bad-outcome", 400)]
)
async def test_callbacks_are_refused_to_others_and_bad_input(
    portal: Portal, who: str, status: int
) -> None:
    nhs = await _red_flag(portal, PRACTICE)
    await portal.sign_in_staff("gp", PRACTICE)
    task_id, version = await _open_for(portal, nhs)
    token = await portal.csrf("/duty/callbacks")
    outcome = "maybe" if who == "bad-outcome" else "reached"
    if who == "other-practice":
        await portal.sign_in_staff("gp", OTHER_PRACTICE)
        token = await portal.csrf("/duty/callbacks")
    if who == "patient":
        await portal.sign_in("P9", nhs)
        token = await portal.csrf("/start")

    page = await portal.client.post(
        f"/duty/callbacks/{task_id}",
        data={"csrf_token": token, "version": version, "outcome": outcome},
    )

    assert page.status_code == status, page.text
    assert (await _task(portal, nhs))["status"] == "requested"


async def test_the_callback_card_names_the_patient_and_the_number_they_gave(
    portal: Portal,
) -> None:
    with_phone = await _red_flag(portal, PRACTICE, phone=" 07700  900982 ")
    without = await _red_flag(portal, PRACTICE)
    await portal.sign_in_staff("gp", PRACTICE)

    page = (await portal.client.get("/duty/callbacks")).text

    card = page[page.index(f"NHS number {with_phone}") - 40 :][:900]
    assert "Call back Sam Patient, NHS number" in card
    assert '<a href="tel:07700900982">07700 900982</a>' in card
    card = page[page.index(f"NHS number {without}") :][:900]
    assert "No number given: use the practice record" in card
    task = await _task(portal, with_phone)
    assert task["for"]["display"] == "Sam Patient"
    assert task["input"] == [
        {"type": {"text": "Call the patient on"}, "valueString": "07700 900982"}
    ]


@pytest.mark.parametrize("phone", ["12345", "call me", "07700 900982 ext 12345678", "<b>0</b>"])
async def test_a_phone_number_that_cannot_be_called_is_refused_but_the_red_flag_still_shows(
    portal: Portal, phone: str
) -> None:
    nhs = await portal.sign_in("P5")
    said = {"answer": "other-problem", "text": "my face dropped", "phone": phone}

    page = await portal.ask(age="70", sex="female", **said)

    assert page.status_code == 400
    assert "Enter a UK phone number" in page.text
    assert "Call 999 now" in page.text  # the red flag's advice is never dropped
    assert "<b>0</b>" not in page.text
    stored = "SELECT count(*) FROM resource WHERE patient_nhs = :nhs"
    assert await portal.scalar(stored, nhs=nhs) == 0


async def test_a_callback_past_its_target_is_marked_overdue(portal: Portal) -> None:
    nhs = await _red_flag(portal, PRACTICE)
    await portal.sign_in_staff("gp", PRACTICE)
    started = portal.clock.now

    def card(page: str) -> str:
        return page[page.index(f"NHS number {nhs}") :][:1200]

    on_time = card((await portal.client.get("/duty/callbacks")).text)
    portal.clock.now = started + timedelta(minutes=15)
    try:
        late = card((await portal.client.get("/duty/callbacks")).text)
    finally:
        portal.clock.now = started

    assert "Overdue" not in on_time
    assert "Overdue" in late
