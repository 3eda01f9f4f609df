"""Teams and meetings: an MDT as a CareTeam, meetings booked monthly, operations declared."""

from __future__ import annotations

from datetime import datetime

from services.mdt.tests.conftest import (
    NHS,
    NURSE,
    OUTSIDER,
    Mdt,
    member,
    outcome_codes,
    parameters,
    team_body,
)

LINK_WORKER = "sds-link-worker-1"


async def test_metadata_lists_every_mdt_operation(mdt: Mdt) -> None:
    response = await mdt.client.get("/fhir/metadata")
    assert response.status_code == 200
    names = {
        op["name"]
        for resource in response.json()["rest"][0]["resource"]
        for op in resource.get("operation", [])
    }
    assert {"nominate", "assemble-case-list", "record-outcome", "acknowledge"} <= names


async def test_asyncapi_lists_the_four_mdt_events(mdt: Mdt) -> None:
    document = (await mdt.client.get("/asyncapi.json")).json()
    assert len(document["components"]["messages"]) == 4


async def test_team_without_a_chair_or_practice_is_refused(mdt: Mdt) -> None:
    body = team_body(members=[member(NURSE, "core")])
    body["managingOrganization"] = []
    response = await mdt.post("CareTeam", body)
    assert response.status_code == 400
    assert "business-rule" in outcome_codes(response)


async def test_meetings_are_booked_monthly_with_capacity(mdt: Mdt) -> None:
    mdt_id = await mdt.team()
    meeting_ids = await mdt.meetings(mdt_id, count=3)
    starts = []
    for meeting_id in meeting_ids:
        appointment = (await mdt.get(f"Appointment/{meeting_id}")).json()
        assert appointment["comment"] == "Room for 28 cases"
        starts.append(datetime.fromisoformat(appointment["start"].replace("Z", "+00:00")))
    months = [s.year * 12 + s.month for s in starts]
    assert months[1] - months[0] == 1
    assert months[2] - months[1] == 1


async def test_meetings_cannot_be_written_through_plain_rest(mdt: Mdt) -> None:
    body = {
        "resourceType": "Appointment",
        "status": "booked",
        "participant": [{"status": "accepted"}],
    }
    response = await mdt.post("Appointment", body)
    assert response.status_code == 405


async def test_scheduling_for_an_unknown_team_is_not_found(mdt: Mdt) -> None:
    body = parameters(("start", "valueDateTime", "2030-01-01T09:00:00Z"))
    response = await mdt.post("CareTeam/no-such-team/$schedule-meetings", body)
    assert response.status_code == 404


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
    assert "entry" not in (await mdt.get(search, **worker)).json()
    chair = await mdt.client.put(f"/fhir/CareTeam/{mdt_id}", json=team, headers=mdt.auth())
    assert chair.status_code == 200, chair.text
    assert len((await mdt.get(search, **worker)).json()["entry"]) == 1
