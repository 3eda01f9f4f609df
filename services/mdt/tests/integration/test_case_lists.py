"""Case lists: nominations, one open case per patient, capacity and overflow, access."""

from __future__ import annotations

import asyncio

from services.mdt.tests.conftest import (
    NURSE,
    OUTSIDER,
    PRACTICE_B,
    Mdt,
    business_status,
    outcome_codes,
    parameters,
)


async def test_second_nomination_adds_to_the_open_case(mdt: Mdt) -> None:
    mdt_id = await mdt.team()
    await mdt.meetings(mdt_id, count=1)
    nhs = await mdt.patient()
    first = await mdt.nominate(mdt_id, nhs)
    assert first.status_code == 201, first.text
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
    assert {r.status_code for r in responses} <= {200, 201, 409}
    assert await mdt.scalar("select count(*) from mdt_case where patient_nhs = :n", n=nhs) == 1


async def test_nomination_without_a_care_relationship_is_refused(mdt: Mdt) -> None:
    mdt_id = await mdt.team()
    nhs = await mdt.patient(PRACTICE_B)
    response = await mdt.nominate(mdt_id, nhs)
    assert response.status_code == 403
    assert outcome_codes(response) == ["forbidden"]


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

    assembled = await mdt.post(f"Appointment/{first}/$assemble-case-list", parameters())
    assert assembled.status_code == 200, assembled.text
    listed = [e["item"]["reference"].removeprefix("Task/") for e in assembled.json()["entry"]]
    assert listed == [cases[1], cases[3], cases[0]]  # urgent, soon, then longest waiting
    overflowed = {cases[2], cases[4]}
    for case_id in overflowed:
        meeting = await mdt.scalar("select meeting_id from mdt_case where id = :c", c=case_id)
        assert meeting == second
    notices = await mdt.get("Task?code=mdt-overflow-notice&_count=50")
    told = {e["resource"]["focus"]["reference"] for e in notices.json().get("entry", [])}
    assert told == {f"Task/{c}" for c in overflowed}


async def test_cases_not_ready_are_flagged_until_prepared(mdt: Mdt) -> None:
    mdt_id = await mdt.team()
    (meeting,) = await mdt.meetings(mdt_id, count=1)
    nhs = await mdt.patient()
    case_id = (await mdt.nominate(mdt_id, nhs)).json()["id"]
    assembled = await mdt.post(f"Appointment/{meeting}/$assemble-case-list", parameters())
    flags = [e["flag"]["coding"][0]["code"] for e in assembled.json()["entry"]]
    assert flags == ["not-ready"]
    await mdt.execute(
        "update mdt_patient set review_due_on = current_date + 180 where patient_nhs = :n", n=nhs
    )
    await mdt.execute(
        "insert into mdt_activity values ('ServiceRequest/sr-1', :n, 'referral', now())", n=nhs
    )
    prepared = await mdt.post(f"Task/{case_id}/$prepare", parameters())
    assert prepared.status_code == 200, prepared.text
    task = prepared.json()
    assert business_status(task) == "prepared"
    attached = [i["valueReference"]["reference"] for i in task["input"] if "valueReference" in i]
    assert "ServiceRequest/sr-1" in attached
    again = await mdt.post(f"Appointment/{meeting}/$assemble-case-list", parameters())
    assert [e["flag"]["coding"][0]["code"] for e in again.json()["entry"]] == ["ready"]
    assert again.json()["id"] == assembled.json()["id"]


async def test_only_members_see_a_case_list(mdt: Mdt) -> None:
    mdt_id = await mdt.team()
    (meeting,) = await mdt.meetings(mdt_id, count=1)
    nhs = await mdt.patient()
    await mdt.nominate(mdt_id, nhs)
    list_id = (await mdt.post(f"Appointment/{meeting}/$assemble-case-list", parameters())).json()[
        "id"
    ]
    nurse = await mdt.get(f"List/{list_id}", role="mdt-member", user=NURSE)
    assert nurse.status_code == 200
    outsider = await mdt.get(f"List/{list_id}", role="mdt-member", user=OUTSIDER)
    assert outsider.status_code == 403
    found = await mdt.get("List?code=mdt-case-list", role="mdt-member", user=OUTSIDER)
    assert found.status_code == 200
    assert "entry" not in found.json()
    mine = await mdt.get("List?code=mdt-case-list&_count=100", role="mdt-member", user=NURSE)
    assert list_id in {e["resource"]["id"] for e in mine.json()["entry"]}
    # The members were given the MDT relationship with the listed patient; others were not.
    case_for_nurse = await mdt.get(
        f"Task?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}",
        role="mdt-member",
        organisation="RXX01",
        user=NURSE,
    )
    assert len(case_for_nurse.json()["entry"]) == 1
    hidden = await mdt.get(
        f"Task?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}",
        role="mdt-member",
        organisation="RXX01",
        user=OUTSIDER,
    )
    assert "entry" not in hidden.json()
    views = await mdt.scalar(
        "select count(*) from audit_event where entity = :e and subject = :s",
        e=f"List/{list_id}",
        s=NURSE,
    )
    assert views == 1
