"""Case lists: only the MDT's members read or find them, and each read is audited."""

from __future__ import annotations

from services.mdt.tests.builders import (
    NURSE,
    OUTSIDER,
    parameters,
)
from services.mdt.tests.conftest import (
    Mdt,
    entries,
)


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
    assert entries(found) == []
    mine = await mdt.get("List?code=mdt-case-list&_count=100", role="mdt-member", user=NURSE)
    assert list_id in {e["resource"]["id"] for e in entries(mine)}
    # The members were given the MDT relationship with the listed patient; others were not.
    case_for_nurse = await mdt.get(
        f"Task?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}",
        role="mdt-member",
        organisation="RXX01",
        user=NURSE,
    )
    assert len(entries(case_for_nurse)) == 1
    hidden = await mdt.get(
        f"Task?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}",
        role="mdt-member",
        organisation="RXX01",
        user=OUTSIDER,
    )
    assert entries(hidden) == []
    views = await mdt.scalar(
        "select count(*) from audit_event where entity = :e and subject = :s",
        e=f"List/{list_id}",
        s=NURSE,
    )
    assert views == 1
