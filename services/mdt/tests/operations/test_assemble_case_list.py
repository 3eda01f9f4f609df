"""`$assemble-case-list`: ordered, cut at capacity, overflow moved and its nominators told."""

from __future__ import annotations

from services.mdt.tests.builders import (
    parameters,
)
from services.mdt.tests.conftest import (
    Mdt,
    entries,
)


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
    told = {e["resource"]["focus"]["reference"] for e in entries(notices)}
    assert told == {f"Task/{c}" for c in overflowed}
