"""`$assemble-case-list`: ordered, cut at capacity, overflow moved and its nominators told."""

from __future__ import annotations

import pytest

from carecoord_shared.fhir.outcome import FhirError
from mdt.operations import assemble_case_list
from services.mdt.tests.builders import NURSE, OUTSIDER
from services.mdt.tests.conftest import Mdt, entries
from services.mdt.tests.units import a_listed_case, invoke, staff


async def test_full_meeting_overflows_to_the_next_and_tells_the_nominator(mdt: Mdt) -> None:
    mdt_id = await mdt.team()
    first, second = await mdt.meetings(
        mdt_id, count=2, durationMinutes=("valueInteger", 30), minutesPerCase=("valueDecimal", 10)
    )
    patients = [await mdt.patient() for _ in range(5)]
    urgencies = ["routine", "urgent", "routine", "soon", "routine"]
    cases = []
    for nhs, urgency in zip(patients, urgencies, strict=True):
        response = await mdt.nominate(mdt_id, nhs, urgency=urgency)
        assert response.status_code == 201
        cases.append(response.json()["id"])

    assembled = await mdt.assemble(first)
    assert assembled.status_code == 200, assembled.text
    listed = [e["item"]["reference"].removeprefix("Task/") for e in assembled.json()["entry"]]
    assert listed == [cases[1], cases[3], cases[0]]  # urgent, soon, then longest waiting
    overflowed = {cases[2], cases[4]}
    for case_id in overflowed:
        meeting = await mdt.scalar("select meeting_id from mdt_case where id = :c", c=case_id)
        assert meeting == second
    notices = await mdt.get("Task?code=mdt-overflow-notice&_count=50")
    told = {e["resource"]["focus"]["reference"] for e in entries(notices)}
    assert told == {f"Task/{c}" for c in overflowed}


async def test_unit_assembly_lists_the_waiting_case_for_members_only() -> None:
    listed = await a_listed_case()
    tx = listed.tx
    tx.principal = staff(OUTSIDER)
    with pytest.raises(FhirError) as outsider:
        await invoke(assemble_case_list.OPERATION, tx, listed.meeting)
    assert outsider.value.status == 403
    tx.principal = staff(NURSE)
    first = await invoke(assemble_case_list.OPERATION, tx, listed.meeting)
    assert isinstance(first.body, dict)
    assert first.status == 200
    flags = [(e["item"]["reference"], e["flag"]["coding"][0]["code"]) for e in first.body["entry"]]
    assert flags == [(f"Task/{listed.case}", "not-ready")]  # no care plan review known
    assert listed.store.meetings.rows[listed.meeting].list_id == first.body["id"]
    again = await invoke(assemble_case_list.OPERATION, tx, listed.meeting)
    assert isinstance(again.body, dict)
    assert again.body["id"] == first.body["id"]
