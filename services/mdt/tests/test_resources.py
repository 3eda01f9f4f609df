"""The CareTeam over REST (shape, members only, access follows membership); the rest read-only."""

from __future__ import annotations

import pytest

from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.fhir.registry import Write
from services.mdt.tests.builders import CHAIR, NHS, NURSE, OUTSIDER, member, team_body
from services.mdt.tests.conftest import Mdt, entries, outcome_codes
from services.mdt.tests.units import a_case, a_patient, a_team, fake_unit_of_work, staff

LINK_WORKER = "sds-link-worker-1"


async def test_team_without_a_chair_or_practice_is_refused(mdt: Mdt) -> None:
    body = team_body(members=[member(NURSE, "core")])
    body["managingOrganization"] = []
    response = await mdt.post("CareTeam", body)
    assert response.status_code == 400
    assert "business-rule" in outcome_codes(response)


async def test_only_members_change_a_team_and_new_members_see_listed_patients(mdt: Mdt) -> None:
    mdt_id = await mdt.team()
    nhs = await mdt.patient()
    assert (await mdt.nominate(mdt_id, nhs)).status_code == 201
    team = (await mdt.get(f"CareTeam/{mdt_id}")).json()
    team.pop("meta")
    team["participant"].append(member(LINK_WORKER, "extended", title="Link worker"))
    outsider = await mdt.client.put(
        f"/fhir/CareTeam/{mdt_id}", json=team, headers=mdt.auth(user=OUTSIDER)
    )
    assert outsider.status_code == 403
    search = f"Task?patient:identifier={NHS}|{nhs}"
    worker = {"role": "mdt-member", "organisation": "VOL01", "user": LINK_WORKER}
    assert entries(await mdt.get(search, **worker)) == []
    chair = await mdt.client.put(f"/fhir/CareTeam/{mdt_id}", json=team, headers=mdt.auth())
    assert chair.status_code == 200, chair.text
    assert len(entries(await mdt.get(search, **worker))) == 1


async def test_meetings_cannot_be_written_through_plain_rest(mdt: Mdt) -> None:
    body = {
        "resourceType": "Appointment",
        "status": "booked",
        "participant": [{"status": "accepted"}],
    }
    response = await mdt.post("Appointment", body)
    assert response.status_code == 405


async def test_managed_resources_refuse_plain_rest_writes(mdt: Mdt, ids: dict[str, str]) -> None:
    case = (await mdt.get(f"Task/{ids['case']}")).json()
    case.pop("meta")
    put = await mdt.client.put(f"/fhir/Task/{ids['case']}", json=case, headers=mdt.auth())
    assert put.status_code == 405
    assert (await mdt.post("Task", case)).status_code == 405
    removed = await mdt.client.delete(f"/fhir/Task/{ids['case']}", headers=mdt.auth())
    assert removed.status_code == 405
    team = await mdt.team()
    (meeting,) = await mdt.meetings(team, count=1)
    await mdt.nominate(team, await mdt.patient())
    list_id = (await mdt.assemble(meeting)).json()["id"]
    gone = await mdt.client.delete(f"/fhir/List/{list_id}", headers=mdt.auth())
    assert gone.status_code == 405
    assert (await mdt.get("List/b@d")).status_code == 400
    assert (await mdt.get("List/unknown")).status_code == 404
    assert (await mdt.get("List?_count=abc")).status_code == 400


# Unit tests of the CareTeam's write handler on the in-memory unit of work.


async def test_unit_joining_and_leaving_moves_access_to_the_teams_open_cases() -> None:
    tx, store = fake_unit_of_work()
    first, second = await a_team(tx), await a_team(tx)
    nhs = await a_patient(tx, store)
    await a_case(tx, first, nhs)
    await a_case(tx, second, nhs)
    body = (await tx.read("CareTeam", first)).as_json()
    body.pop("meta")
    body["participant"] = [member(CHAIR, "core", chair=True), member(LINK_WORKER, "extended")]
    tx.principal = staff(CHAIR)
    await tx.write(Write("update", "CareTeam", first, body, if_match=1))
    assert await store.teams.members(first) == [CHAIR, LINK_WORKER]
    mdt = {g.party for g in await tx.grants.running(nhs, reason="mdt")}
    assert mdt == {CHAIR, NURSE, LINK_WORKER}  # the nurse still sits on the second MDT
    second_body = (await tx.read("CareTeam", second)).as_json()
    second_body.pop("meta")
    second_body["participant"] = [member(CHAIR, "core", chair=True)]
    await tx.write(Write("update", "CareTeam", second, second_body, if_match=1))
    mdt = {g.party for g in await tx.grants.running(nhs, reason="mdt")}
    assert mdt == {CHAIR, LINK_WORKER}


async def test_unit_only_members_change_or_delete_a_team() -> None:
    tx, _ = fake_unit_of_work()
    mdt_id = await a_team(tx)
    body = (await tx.read("CareTeam", mdt_id)).as_json()
    body.pop("meta")
    tx.principal = staff(OUTSIDER)
    for write in (
        Write("update", "CareTeam", mdt_id, body, if_match=1),
        Write("delete", "CareTeam", mdt_id, None),
    ):
        with pytest.raises(FhirError) as refused:
            await tx.write(write)
        assert refused.value.status == 403


async def test_unit_a_deleted_team_takes_no_cases_and_has_no_members() -> None:
    tx, store = fake_unit_of_work()
    mdt_id = await a_team(tx)
    tx.principal = staff(NURSE)
    removed, _ = await tx.write(Write("delete", "CareTeam", mdt_id, None))
    assert removed is not None
    team = store.teams.teams[mdt_id]
    assert not team.active
    assert await store.teams.members(mdt_id) == []
    nothing, created = await tx.write(Write("delete", "CareTeam", "unknown", None))
    assert (nothing, created) == (None, False)
