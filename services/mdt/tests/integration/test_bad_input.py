"""Bad input on every MDT endpoint answers an OperationOutcome with the right status."""

from __future__ import annotations

from typing import Any

import pytest

from mdt.definition import SERVICE
from services.mdt.tests.builders import OUTSIDER, parameters, patient_param
from services.mdt.tests.conftest import Mdt, business_status, outcome_codes

TARGETS = {"CareTeam": "{team}", "Appointment": "{meeting}", "Task": "{case}"}
OPERATIONS = [f"{op.resource}/{TARGETS[str(op.resource)]}/{op.name}" for op in SERVICE.operations]
"""Every declared operation, on the `ids` fixture's target of its type."""


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


VALID_INPUT: dict[str, list[tuple[str, str, Any]]] = {
    "$schedule-meetings": [("start", "valueDateTime", "2030-01-01T09:00:00Z")],
    "$nominate": [patient_param("9990000018"), ("reason", "valueString", "r")],
    "$record-attendance": [("attendee", "valueString", "x")],
    "$record-outcome": [("status", "valueCode", "discussed")],
}
"""Enough for each operation to get as far as its target (any other parameter is a 400)."""


@pytest.mark.parametrize("path", OPERATIONS)
async def test_unknown_targets_are_404_and_bad_ids_400(mdt: Mdt, path: str) -> None:
    body = parameters(*VALID_INPUT.get(path.rpartition("/")[2], []))
    unknown = path.format(team="nope", meeting="nope", case="nope")
    response = await mdt.post(unknown, body)
    assert response.status_code == 404, response.text
    bad = path.format(team="b@d", meeting="b@d", case="b@d")
    assert (await mdt.post(bad, body)).status_code == 400


@pytest.mark.parametrize("path", OPERATIONS)
async def test_parameters_an_operation_does_not_declare_are_400(
    mdt: Mdt, ids: dict[str, str], path: str
) -> None:
    body = parameters(*VALID_INPUT.get(path.rpartition("/")[2], []), ("colour", "valueString", "x"))
    response = await mdt.post(path.format(**ids), body)
    assert response.status_code == 400, response.text
    assert response.json()["issue"][0]["expression"] == [
        "Parameters.parameter.where(name='colour')"
    ]


async def test_business_rules_are_422(mdt: Mdt, ids: dict[str, str]) -> None:
    not_listed = await mdt.invoke(f"Task/{ids['case']}/$acknowledge")
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
