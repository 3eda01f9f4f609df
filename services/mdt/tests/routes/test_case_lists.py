"""Case lists: only the MDT's members reach them, by any path, and each view is audited.

Issue 13 finding 8: `POST /fhir/List/_search` once returned a case list to anyone, and
a non-member's 403 told them a list existed. Every path to a List is checked here, the
member's success asserted beside the non-member's refusal.
"""

from __future__ import annotations

from typing import Any

import httpx

from carecoord_shared.security.dev_issuer import DEFAULT_SCOPES
from services.mdt.tests.builders import CHAIR, NHS, NURSE, OUTSIDER, member, parameters, team_body
from services.mdt.tests.conftest import Mdt, entries

MEMBER: dict[str, Any] = {"role": "mdt-member", "user": NURSE}
STRANGER: dict[str, Any] = {"role": "mdt-member", "user": OUTSIDER}
FORM = "application/x-www-form-urlencoded"


async def a_case_list(mdt: Mdt) -> tuple[str, str, str]:
    """A team's assembled case list with one case: (list id, meeting id, NHS number)."""
    mdt_id = await mdt.team()
    (meeting,) = await mdt.meetings(mdt_id, count=1)
    nhs = await mdt.patient()
    assert (await mdt.nominate(mdt_id, nhs)).status_code == 201
    assembled = await mdt.assemble(meeting)
    assert assembled.status_code == 200, assembled.text
    return str(assembled.json()["id"]), meeting, nhs


def _as_unknown(response: httpx.Response, list_id: str) -> tuple[int, Any]:
    """A 404 with the list's id blanked, to compare with the answer for an unknown id."""
    return response.status_code, response.text.replace(list_id, "<id>")


async def _searched(mdt: Mdt, list_id: str, **who: Any) -> set[str]:
    by_get = entries(await mdt.get(f"List?_id={list_id}", **who))
    headers = {**mdt.auth(**who), "Content-Type": FORM}
    by_post = await mdt.client.post("/fhir/List/_search", content=f"_id={list_id}", headers=headers)
    return {e["resource"]["id"] for e in [*by_get, *entries(by_post)]}


async def _in_history(mdt: Mdt, path: str, list_id: str, **who: Any) -> bool:
    response = await mdt.get(path, **who)
    assert response.status_code == 200, response.text
    return any(e["resource"]["id"] == list_id for e in response.json().get("entry", []))


async def test_finding_8_every_path_to_a_case_list_is_for_members_only(mdt: Mdt) -> None:
    list_id, _, _ = await a_case_list(mdt)
    unknown = _as_unknown(await mdt.get("List/no-such-list", **STRANGER), "no-such-list")
    for path in (f"List/{list_id}", f"List/{list_id}/_history", f"List/{list_id}/_history/1"):
        assert (await mdt.get(path, **MEMBER)).status_code == 200, path
        refused = await mdt.get(path, **STRANGER)
        assert refused.status_code == 404, path
    stranger_read = await mdt.get(f"List/{list_id}", **STRANGER)
    assert _as_unknown(stranger_read, list_id) == unknown  # exactly an unknown id's answer
    head = {"member": MEMBER, "stranger": STRANGER}
    statuses = {
        name: (await mdt.client.head(f"/fhir/List/{list_id}", headers=mdt.auth(**who))).status_code
        for name, who in head.items()
    }
    assert statuses == {"member": 200, "stranger": 404}
    assert await _searched(mdt, list_id, **MEMBER) == {list_id}
    assert await _searched(mdt, list_id, **STRANGER) == set()
    for path in ("List/_history", "_history"):
        assert await _in_history(mdt, path, list_id, **MEMBER), path
        assert not await _in_history(mdt, path, list_id, **STRANGER), path
    refusals = await mdt.scalar(
        "select count(*) from audit_event where entity = :e and subject = :s and outcome = '4'",
        e=f"List/{list_id}",
        s=OUTSIDER,
    )
    assert refusals >= 1


async def test_finding_8_no_include_or_bundle_reaches_a_case_list(mdt: Mdt) -> None:
    list_id, _, _ = await a_case_list(mdt)
    for who in (MEMBER, STRANGER):
        revinclude = await mdt.get("Encounter?_revinclude=List:encounter", **who)
        assert revinclude.status_code == 400, revinclude.text
        bundle = {
            "resourceType": "Bundle",
            "type": "batch",
            "entry": [{"request": {"method": "GET", "url": f"List/{list_id}"}}],
        }
        answer = await mdt.client.post("/fhir", json=bundle, headers=mdt.auth(**who))
        assert answer.status_code == 400, answer.text
        assert answer.json()["issue"][0]["expression"] == ["Bundle.entry[0].request.url"]
    team = (await mdt.get("CareTeam?_count=1", **MEMBER)).json()["entry"][0]["resource"]["id"]
    entry = {"request": {"method": "GET", "url": f"CareTeam/{team}"}}
    other = {"resourceType": "Bundle", "type": "batch", "entry": [entry]}
    answer = await mdt.client.post("/fhir", json=other, headers=mdt.auth(**MEMBER))
    assert answer.status_code == 200, answer.text


async def test_members_read_and_find_case_lists_and_each_read_is_audited(mdt: Mdt) -> None:
    list_id, _, nhs = await a_case_list(mdt)
    assert (await mdt.get(f"List/{list_id}", **MEMBER)).status_code == 200
    assert entries(await mdt.get("List?code=mdt-case-list", **STRANGER)) == []
    mine = await mdt.get("List?code=mdt-case-list&_count=100", **MEMBER)
    assert list_id in {e["resource"]["id"] for e in entries(mine)}
    # The members were given the MDT relationship with the listed patient; others were not.
    search = f"Task?patient:identifier={NHS}|{nhs}"
    assert (
        len(entries(await mdt.get(search, role="mdt-member", organisation="RXX01", user=NURSE)))
        == 1
    )
    assert (
        entries(await mdt.get(search, role="mdt-member", organisation="RXX01", user=OUTSIDER)) == []
    )
    views = await mdt.scalar(
        "select count(*) from audit_event where entity = :e and subject = :s",
        e=f"List/{list_id}",
        s=NURSE,
    )
    assert views == 1


COORDINATOR = "sds-coordinator-1"
MEETING_SCOPES = "user/List.rs user/Appointment.rs user/Encounter.rs user/Composition.rs"


async def test_finding_8_a_coordinator_who_assembles_reads_the_list_and_its_records(
    mdt: Mdt,
) -> None:
    """Issue 14 item 6, under the scopes proposed for the role (see the README)."""
    scopes = f"{DEFAULT_SCOPES['care-coordinator']} {MEETING_SCOPES}"
    coordinator = {
        "role": "care-coordinator",
        "organisation": "RXX01",  # not the patient's practice: the MDT is the relationship
        "user": COORDINATOR,
        "scopes": scopes,
    }
    outsider = {**coordinator, "user": OUTSIDER}
    team = team_body(members=[member(CHAIR, "core", chair=True), member(COORDINATOR, "extended")])
    mdt_id = await mdt.team(members=team["participant"])
    (meeting,) = await mdt.meetings(mdt_id, count=1)
    case_id = (await mdt.nominate(mdt_id, await mdt.patient())).json()["id"]
    case_list = await mdt.assemble(meeting, **coordinator)
    assert case_list.status_code == 200, case_list.text
    held = await mdt.post(
        f"Appointment/{meeting}/$record-attendance",
        parameters(("attendee", "valueString", COORDINATOR)),
        **coordinator,
    )
    assert held.status_code == 201, held.text
    outcome = await mdt.post(
        f"Task/{case_id}/$record-outcome",
        parameters(("status", "valueCode", "discussed")),
        **coordinator,
    )
    assert outcome.status_code == 200, outcome.text
    composition = outcome.json()["output"][0]["valueReference"]["reference"]
    private = (f"List/{case_list.json()['id']}", composition)
    for path in (*private, f"Appointment/{meeting}", f"Encounter/{held.json()['id']}"):
        assert (await mdt.get(path, **coordinator)).status_code == 200, path
    for path in private:
        assert (await mdt.get(path, **outsider)).status_code == 404, path
