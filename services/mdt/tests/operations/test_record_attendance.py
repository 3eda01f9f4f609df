"""`$record-attendance`: the meeting held with who attended; a held meeting is closed."""

from __future__ import annotations

import pytest

from carecoord_shared.fhir.outcome import FhirError
from mdt.operations import record_attendance
from services.mdt.tests.builders import CHAIR, NURSE, OUTSIDER, parameters
from services.mdt.tests.conftest import Mdt, outcome_codes
from services.mdt.tests.units import a_meeting, a_team, fake_unit_of_work, invoke, staff


async def test_holding_a_meeting_records_attendance_and_closes_its_list(mdt: Mdt) -> None:
    team = await mdt.team()
    (meeting,) = await mdt.meetings(team, count=1)
    empty = await mdt.assemble(meeting)
    assert empty.status_code == 200, empty.text
    assert empty.json()["resourceType"] == "List"
    assert "entry" not in empty.json()
    assert empty.json()["emptyReason"]
    attendance = parameters(("attendee", "valueString", CHAIR), ("attendee", "valueString", NURSE))
    held = await mdt.post(f"Appointment/{meeting}/$record-attendance", attendance)
    assert held.status_code == 201, held.text
    assert held.json()["resourceType"] == "Encounter"
    assert held.headers["Location"].endswith(f"/fhir/Encounter/{held.json()['id']}/_history/1")
    assert len(held.json()["participant"]) == 2
    assert (await mdt.get(f"Appointment/{meeting}")).json()["status"] == "fulfilled"
    again = await mdt.assemble(meeting)
    assert again.status_code == 422
    assert outcome_codes(again) == ["business-rule"]
    twice = await mdt.post(f"Appointment/{meeting}/$record-attendance", attendance)
    assert twice.status_code == 422


async def test_attendance_needs_an_attendee(mdt: Mdt) -> None:
    team = await mdt.team()
    (meeting,) = await mdt.meetings(team, count=1)
    response = await mdt.post(f"Appointment/{meeting}/$record-attendance", parameters())
    assert response.status_code == 400
    assert outcome_codes(response) == ["required"]
    assert "name='attendee'" in response.json()["issue"][0]["expression"][0]


async def test_unit_the_meeting_is_held_by_members_only() -> None:
    tx, _ = fake_unit_of_work()
    mdt_id = await a_team(tx)
    meeting = await a_meeting(tx, mdt_id)
    attendee = ("attendee", "valueString", CHAIR)
    tx.principal = staff(OUTSIDER)
    with pytest.raises(FhirError) as outsider:
        await invoke(record_attendance.OPERATION, tx, meeting, attendee)
    assert outsider.value.status == 403
    tx.principal = staff(NURSE)
    result = await invoke(record_attendance.OPERATION, tx, meeting, attendee)
    assert result.status == 201
    assert isinstance(result.body, dict)
    assert result.body["appointment"] == [{"reference": f"Appointment/{meeting}"}]
    assert (await tx.read("Appointment", meeting)).as_json()["status"] == "fulfilled"
    with pytest.raises(FhirError) as held:
        await invoke(record_attendance.OPERATION, tx, meeting, attendee)
    assert held.value.status == 422
