"""`$nominate`: one open case per patient per MDT, a care relationship, named parameters."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from carecoord_shared.fhir.outcome import FhirError
from mdt.operations import nominate
from services.mdt.tests.builders import (
    CHAIR,
    NHS,
    NURSE,
    PRACTICE_B,
    parameters,
    patient_param,
    team_body,
)
from services.mdt.tests.conftest import Mdt, outcome_codes
from services.mdt.tests.units import (
    WORKER,
    a_meeting,
    a_patient,
    a_team,
    fake_unit_of_work,
    invoke,
    staff,
)


async def test_second_nomination_adds_to_the_open_case(mdt: Mdt) -> None:
    mdt_id = await mdt.team()
    await mdt.meetings(mdt_id, count=1)
    nhs = await mdt.patient()
    first = await mdt.nominate(mdt_id, nhs)
    assert first.status_code == 201, first.text
    assert first.headers["Location"].endswith(f"/fhir/Task/{first.json()['id']}/_history/1")
    second = await mdt.nominate(mdt_id, nhs, urgency="urgent")
    assert second.status_code == 200, second.text
    case = second.json()
    assert case["id"] == first.json()["id"]
    assert case["priority"] == "urgent"
    assert len(case["note"]) == 2
    open_cases = await mdt.scalar(
        "select count(*) from mdt_case where patient_nhs = :n and open", n=nhs
    )
    assert open_cases == 1
    listed = await mdt.scalar(
        "select count(*) from outbox where type = 'carecoord.mdt.case-listed.v1' and key = :n",
        n=nhs,
    )
    assert listed == 1


async def test_concurrent_nominations_leave_one_open_case(mdt: Mdt) -> None:
    mdt_id = await mdt.team()
    nhs = await mdt.patient()
    responses = await asyncio.gather(*(mdt.nominate(mdt_id, nhs) for _ in range(4)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 200, 201]  # one new case; each other queued and added to it
    assert await mdt.scalar("select count(*) from mdt_case where patient_nhs = :n", n=nhs) == 1


async def test_nomination_without_a_care_relationship_is_refused(mdt: Mdt) -> None:
    mdt_id = await mdt.team()
    nhs = await mdt.patient(PRACTICE_B)
    response = await mdt.nominate(mdt_id, nhs)
    assert response.status_code == 403
    assert outcome_codes(response) == ["forbidden"]


@pytest.mark.parametrize(
    ("items", "expression"),
    [
        ([("reason", "valueString", "r")], "patient"),
        (
            [
                ("patient", "valueIdentifier", {"system": NHS, "value": "9990000019"}),
                ("reason", "valueString", "r"),
            ],
            "patient",
        ),
        ([patient_param("9990000018")], "reason"),
        (
            [
                patient_param("9990000018"),
                ("reason", "valueString", "r"),
                ("urgency", "valueCode", "whenever"),
            ],
            "urgency",
        ),
        ([patient_param("9990000018"), ("reason", "valueString", "  ")], "reason"),
        (
            [
                patient_param("9990000018"),
                ("reason", "valueString", "r"),
                ("risk", "valueDecimal", 500),
            ],
            "risk",
        ),
    ],
)
async def test_bad_nominations_name_the_parameter(
    mdt: Mdt, ids: dict[str, str], items: list[Any], expression: str
) -> None:
    response = await mdt.post(f"CareTeam/{ids['team']}/$nominate", parameters(*items))
    assert response.status_code == 400, response.text
    assert expression in response.text


# Unit tests on the in-memory unit of work (tests/fakes.py).


async def test_unit_a_nomination_lists_shares_and_announces() -> None:
    tx, store = fake_unit_of_work()
    mdt_id = await a_team(tx)
    meeting = await a_meeting(tx, mdt_id)
    nhs = await a_patient(tx, store)
    tx.principal = staff(CHAIR)
    result = await invoke(
        nominate.OPERATION, tx, mdt_id, patient_param(nhs), ("reason", "valueString", " Falls ")
    )
    assert result.status == 201
    [case] = store.cases.rows.values()
    assert (case.patient_nhs, case.meeting_id, case.nominators) == (nhs, meeting, (CHAIR,))
    assert {g.party for g in await tx.grants.running(nhs, reason="mdt")} == {CHAIR, NURSE}
    [event] = tx.fake_outbox.events
    assert event.type == "carecoord.mdt.case-listed.v1"
    assert (event.data["nomination"], event.data["rule"], event.data["urgency"]) == (
        CHAIR,
        None,
        "routine",
    )
    assert event.data["meeting"] == f"Appointment/{meeting}"


async def test_unit_a_second_nomination_adds_to_the_open_case() -> None:
    tx, store = fake_unit_of_work()
    mdt_id = await a_team(tx)
    nhs = await a_patient(tx, store)
    tx.principal = staff(CHAIR)
    reason = ("reason", "valueString", "Falls")
    first = await invoke(nominate.OPERATION, tx, mdt_id, patient_param(nhs), reason)
    tx.principal = staff(NURSE)
    second = await invoke(
        nominate.OPERATION,
        tx,
        mdt_id,
        patient_param(nhs),
        ("reason", "valueString", "Carer strain"),
        ("urgency", "valueCode", "urgent"),
        ("purpose", "valueCode", "for-information"),
        ("risk", "valueDecimal", 40),
    )
    assert (first.status, second.status) == (201, 200)
    assert isinstance(second.body, dict)
    assert second.body["priority"] == "urgent"
    assert len(second.body["note"]) == 2
    [case] = store.cases.rows.values()
    assert (case.urgency, case.risk, case.nominators) == ("urgent", 40.0, (CHAIR, NURSE))
    assert case.for_discussion  # "for information" does not undo "for discussion"
    assert tx.fake_outbox.types() == ["carecoord.mdt.case-listed.v1"]


async def test_unit_no_relationship_no_nomination_and_no_closed_team() -> None:
    tx, store = fake_unit_of_work()
    mdt_id = await a_team(tx)
    elsewhere = await a_patient(tx, store, practice=PRACTICE_B)
    tx.principal = staff(CHAIR)
    reason = ("reason", "valueString", "Falls")
    with pytest.raises(FhirError) as refused:
        await invoke(nominate.OPERATION, tx, mdt_id, patient_param(elsewhere), reason)
    assert refused.value.status == 403
    tx.principal = WORKER
    closed = await a_team(tx, team_body() | {"status": "inactive"})
    nhs = await a_patient(tx, store)
    tx.principal = staff(CHAIR)
    with pytest.raises(FhirError) as inactive:
        await invoke(nominate.OPERATION, tx, closed, patient_param(nhs), reason)
    assert inactive.value.status == 422
    assert store.cases.rows == {}
