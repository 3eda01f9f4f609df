"""Bad input on every MDT endpoint answers an OperationOutcome with the right status."""

from __future__ import annotations

from typing import Any

import pytest

from services.mdt.tests.conftest import (
    NHS,
    OUTSIDER,
    Mdt,
    business_status,
    outcome_codes,
    parameters,
    patient_param,
)

OPERATIONS = [
    "CareTeam/{team}/$schedule-meetings",
    "CareTeam/{team}/$nominate",
    "Appointment/{meeting}/$assemble-case-list",
    "Appointment/{meeting}/$record-attendance",
    "Task/{case}/$prepare",
    "Task/{case}/$record-outcome",
    "Task/{case}/$acknowledge",
    "Task/{case}/$complete",
]


@pytest.fixture(scope="module")
async def ids(mdt: Mdt) -> dict[str, str]:
    team = await mdt.team()
    (meeting,) = await mdt.meetings(team, count=1)
    case = (await mdt.nominate(team, await mdt.patient())).json()["id"]
    return {"team": team, "meeting": meeting, "case": case}


@pytest.mark.parametrize("path", OPERATIONS)
@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b"not json", 400),
        (b"[]", 400),
        (b'{"resourceType": "Patient"}', 400),
        (b'{"resourceType": "Parameters", "parameter": [{"name": 3}]}', 400),
    ],
)
async def test_malformed_bodies_are_400(
    mdt: Mdt, ids: dict[str, str], path: str, content: bytes, status: int
) -> None:
    response = await mdt.client.post(
        "/fhir/" + path.format(**ids), content=content, headers=mdt.auth()
    )
    assert response.status_code == status, response.text
    assert outcome_codes(response)


@pytest.mark.parametrize("path", OPERATIONS)
async def test_unknown_targets_are_404_and_bad_ids_400(mdt: Mdt, path: str) -> None:
    body = parameters(
        ("status", "valueCode", "discussed"),
        ("attendee", "valueString", "x"),
        ("start", "valueDateTime", "2030-01-01T09:00:00Z"),
        patient_param("9990000018"),
        ("reason", "valueString", "r"),
    )
    unknown = path.format(team="nope", meeting="nope", case="nope")
    response = await mdt.post(unknown, body)
    assert response.status_code == 404, response.text
    bad = path.format(team="b@d", meeting="b@d", case="b@d")
    assert (await mdt.post(bad, body)).status_code == 400


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


@pytest.mark.parametrize(
    "items",
    [
        [],
        [("status", "valueCode", "maybe")],
        [("status", "valueCode", "discussed"), ("minutesSpent", "valueDecimal", -1)],
        [("status", "valueCode", "discussed"), ("decision", "valueBoolean", True)],
    ],
)
async def test_bad_outcomes_are_400(mdt: Mdt, ids: dict[str, str], items: list[Any]) -> None:
    response = await mdt.post(f"Task/{ids['case']}/$record-outcome", parameters(*items))
    assert response.status_code == 400, response.text


async def test_bad_actions_are_400(mdt: Mdt, ids: dict[str, str]) -> None:
    for part in (
        [
            {"name": "ownerKind", "valueCode": "organisation"},
            {"name": "description", "valueString": "x"},
            {"name": "dueOn", "valueDate": "2030-01-01"},
        ],
        [
            {"name": "ownerKind", "valueCode": "role"},
            {"name": "description", "valueString": "x"},
            {"name": "dueOn", "valueDate": "2030-01-01"},
        ],
        [
            {"name": "ownerKind", "valueCode": "role"},
            {"name": "ownerDisplay", "valueString": "GP"},
            {"name": "description", "valueString": "x"},
        ],
    ):
        body = parameters(("status", "valueCode", "discussed"))
        body["parameter"].append({"name": "action", "part": part})
        response = await mdt.post(f"Task/{ids['case']}/$record-outcome", body)
        assert response.status_code == 400, response.text


async def test_business_rules_are_422(mdt: Mdt, ids: dict[str, str]) -> None:
    not_listed = await mdt.post(f"Task/{ids['case']}/$acknowledge", parameters())
    assert not_listed.status_code == 422
    team = await mdt.team()
    waiting = (await mdt.nominate(team, await mdt.patient())).json()["id"]
    no_meeting = await mdt.post(
        f"Task/{waiting}/$record-outcome", parameters(("status", "valueCode", "discussed"))
    )
    assert no_meeting.status_code == 422
    assert outcome_codes(no_meeting) == ["business-rule"]


async def test_non_members_cannot_run_the_meeting(mdt: Mdt, ids: dict[str, str]) -> None:
    who = {"role": "gp", "user": OUTSIDER}
    for path in ("Appointment/{meeting}/$assemble-case-list", "Task/{case}/$prepare"):
        response = await mdt.post(path.format(**ids), parameters(), **who)
        assert response.status_code == 403, response.text


async def test_meeting_already_held_is_422_and_schedule_bad_values_400(
    mdt: Mdt, ids: dict[str, str]
) -> None:
    team = await mdt.team()
    (meeting,) = await mdt.meetings(team, count=1)
    empty = await mdt.post(f"Appointment/{meeting}/$assemble-case-list", parameters())
    assert empty.status_code == 200, empty.text
    assert "entry" not in empty.json()
    assert empty.json()["emptyReason"]
    held = await mdt.post(
        f"Appointment/{meeting}/$record-attendance",
        parameters(("attendee", "valueString", "sds-chair-1")),
    )
    assert held.status_code == 201, held.text
    assert held.json()["resourceType"] == "Encounter"
    again = await mdt.post(f"Appointment/{meeting}/$assemble-case-list", parameters())
    assert again.status_code == 422
    for items in (
        [("start", "valueDateTime", "2030-01-01")],
        [("start", "valueDateTime", "2030-01-01T09:00:00Z"), ("count", "valueInteger", 99)],
        [("start", "valueDateTime", "2030-01-01T09:00:00Z"), ("minutesPerCase", "valueDecimal", 0)],
    ):
        response = await mdt.post(f"CareTeam/{team}/$schedule-meetings", parameters(*items))
        assert response.status_code == 400, response.text


async def test_writes_without_the_scope_are_403_and_stale_generic_writes_412(
    mdt: Mdt, ids: dict[str, str]
) -> None:
    response = await mdt.post(f"Task/{ids['case']}/$prepare", parameters(), role="paramedic")
    assert response.status_code == 403
    team = (await mdt.get(f"CareTeam/{ids['team']}")).json()
    team.pop("meta")
    stale = await mdt.client.put(
        f"/fhir/CareTeam/{ids['team']}", json=team, headers={**mdt.auth(), "If-Match": 'W/"99"'}
    )
    assert stale.status_code == 412
    case = (await mdt.get(f"Task/{ids['case']}")).json()
    assert business_status(case) == "listed"


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
    list_id = (await mdt.post(f"Appointment/{meeting}/$assemble-case-list", parameters())).json()[
        "id"
    ]
    assert (await mdt.get(f"List/{list_id}/_history")).status_code == 405
    assert (await mdt.get("List/b@d")).status_code == 400
    assert (await mdt.get("List/unknown")).status_code == 404
    assert (await mdt.get("List?_count=abc")).status_code == 400
