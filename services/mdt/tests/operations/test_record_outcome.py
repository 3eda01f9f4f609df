"""`$record-outcome`: the outcome record, actions, roll-over, and what is refused."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.testing import InMemoryTransaction
from mdt.operations import record_outcome
from services.mdt.tests.builders import NURSE, PRACTICE_A, action, parameters
from services.mdt.tests.conftest import Mdt, business_status, listed_case, outcome_codes
from services.mdt.tests.fakes import FakeStore
from services.mdt.tests.units import a_listed_case, invoke


async def test_discussed_case_gets_an_outcome_record_and_actions(mdt: Mdt) -> None:
    _, case_id, _ = await listed_case(mdt)
    body = parameters(
        ("status", "valueCode", "discussed"),
        ("summary", "valueString", "Agreed a plan for falls"),
        ("decision", "valueString", "Refer to intermediate care"),
        ("minutesSpent", "valueDecimal", 4.5),
        ("planReviewed", "valueBoolean", True),
    )
    soon = date.today() + timedelta(days=14)
    body["parameter"] += [
        action("Review medication", "organisation", soon, practice=PRACTICE_A),
        action("Home visit", "role", soon, display="Community nurse"),
    ]
    response = await mdt.post(
        f"Task/{case_id}/$record-outcome", body, role="mdt-member", user=NURSE
    )
    assert response.status_code == 200, response.text
    case = response.json()
    assert business_status(case) == "discussed"
    assert case["status"] == "completed"
    composition = (await mdt.get(case["output"][0]["valueReference"]["reference"])).json()
    assert composition["resourceType"] == "Composition"
    assert len(composition["section"][2]["entry"]) == 2
    assigned = await mdt.scalar(
        "select count(*) from outbox where type = 'carecoord.mdt.action-assigned.v1'"
        " and convert_from(payload, 'UTF8')::jsonb ->> 'case' = :c",
        c=f"Task/{case_id}",
    )
    assert assigned == 2
    again = await mdt.post(f"Task/{case_id}/$record-outcome", body)
    assert again.status_code == 409


async def test_deferred_case_rolls_over_to_the_next_meeting(mdt: Mdt) -> None:
    _mdt_id, case_id, meetings = await listed_case(mdt)
    response = await mdt.post(
        f"Task/{case_id}/$record-outcome",
        parameters(
            ("status", "valueCode", "deferred"), ("summary", "valueString", "Awaiting results")
        ),
    )
    assert response.status_code == 200, response.text
    assert business_status(response.json()) == "deferred"
    next_meeting = await mdt.scalar("select meeting_id from mdt_case where id = :c", c=case_id)
    assert next_meeting is not None
    assert next_meeting != meetings[0]
    assembled = await mdt.assemble(next_meeting)
    assert [e["item"]["reference"] for e in assembled.json()["entry"]] == [f"Task/{case_id}"]
    assert await mdt.scalar("select open from mdt_case where id = :c", c=case_id) is True


async def test_actions_due_in_the_past_are_refused(mdt: Mdt) -> None:
    _, case_id, _ = await listed_case(mdt)
    body = parameters(("status", "valueCode", "discussed"))
    body["parameter"].append(action("x", "role", date.today() - timedelta(days=1), display="GP"))
    response = await mdt.post(f"Task/{case_id}/$record-outcome", body)
    assert response.status_code == 422
    assert await mdt.scalar("select open from mdt_case where id = :c", c=case_id) is True


async def test_actions_on_a_deferred_case_are_refused(mdt: Mdt) -> None:
    _, case_id, _ = await listed_case(mdt)
    body = parameters(("status", "valueCode", "deferred"))
    body["parameter"].append(action("x", "role", date.today(), display="GP"))
    response = await mdt.post(f"Task/{case_id}/$record-outcome", body)
    assert response.status_code == 422
    assert outcome_codes(response) == ["business-rule"]


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


async def listed_on_fakes() -> tuple[InMemoryTransaction, FakeStore, str, str]:
    listed = await a_listed_case()
    return listed.tx, listed.store, listed.case, listed.meeting


async def test_unit_a_discussed_case_closes_with_its_record_actions_and_events() -> None:
    tx, store, case_id, _ = await listed_on_fakes()
    soon = date.today() + timedelta(days=14)
    result = await invoke(
        record_outcome.OPERATION,
        tx,
        case_id,
        ("status", "valueCode", "discussed"),
        ("decision", "valueString", "Refer to intermediate care"),
        ("minutesSpent", "valueDecimal", 4.5),
        ("planReviewed", "valueBoolean", True),
        action("Review medication", "organisation", soon, practice=PRACTICE_A),
        action("Visit", "person", soon, reference="Practitioner/7"),
    )
    assert isinstance(result.body, dict)
    assert business_status(result.body) == "discussed"
    spent = [
        i["valueDecimal"] for i in result.body["input"] if i["type"]["text"] == "minutes-spent"
    ]
    assert spent == [4.5]
    assert not store.cases.rows[case_id].open
    practice, person = sorted(store.actions.rows.values(), key=lambda a: a.owner_kind)
    assert (practice.owner_organisation, practice.needs_acknowledgement) == (PRACTICE_A, True)
    assert (person.owner_reference, person.needs_acknowledgement) == ("Practitioner/7", False)
    assert tx.fake_outbox.types()[1:] == [
        "carecoord.mdt.action-assigned.v1",
        "carecoord.mdt.action-assigned.v1",
        "carecoord.mdt.outcome-recorded.v1",
    ]
    recorded = tx.fake_outbox.events[-1].data
    assert (recorded["status"], recorded["planReviewed"]) == ("discussed", True)
    assert recorded["decisions"] == ["Refer to intermediate care"]
    with pytest.raises(FhirError) as again:
        await invoke(record_outcome.OPERATION, tx, case_id, ("status", "valueCode", "discussed"))
    assert again.value.status == 409


async def test_unit_a_deferred_case_moves_to_a_meeting_booked_for_it() -> None:
    tx, store, case_id, meeting = await listed_on_fakes()
    await invoke(record_outcome.OPERATION, tx, case_id, ("status", "valueCode", "deferred"))
    case = store.cases.rows[case_id]
    assert (case.open, case.state) == (True, "deferred")
    later = store.meetings.rows[str(case.meeting_id)]
    first = store.meetings.rows[meeting]
    assert later.starts_at.month == first.starts_at.month % 12 + 1  # booked a month on
    assert [a.id for a in store.actions.rows.values()] == []


@pytest.mark.parametrize(
    ("items", "where"),
    [
        ([action("x", "role", date.today())], "action"),  # no ownerDisplay for a role
        ([action("x", "person", date.today())], "action"),  # a person owner needs 'owner'
        ([{"name": "action", "part": [{"name": "ownerKind", "valueCode": "role"}]}], "action"),
        ([("minutesSpent", "valueDecimal", 241)], "minutesSpent"),
        ([("decision", "valueString", " ")], "decision"),
    ],
)
async def test_unit_bad_input_is_400_naming_the_parameter(items: list[Any], where: str) -> None:
    tx, _, case_id, _ = await listed_on_fakes()
    with pytest.raises(FhirError) as refused:
        await invoke(
            record_outcome.OPERATION, tx, case_id, ("status", "valueCode", "discussed"), *items
        )
    assert refused.value.status == 400
    assert refused.value.issues[0].expression == (f"Parameters.parameter.where(name='{where}')",)


async def test_a_save_against_a_stale_version_is_refused_and_changes_nothing(mdt: Mdt) -> None:
    _, case_id, _ = await listed_case(mdt)
    read = await mdt.get(f"Task/{case_id}", role="mdt-member", user=NURSE)
    seen = read.json()["meta"]["versionId"]

    async def save(status: str, summary: str) -> httpx.Response:
        """A member's save of the outcome, against the version they read first."""
        body = parameters(("status", "valueCode", status), ("summary", "valueString", summary))
        headers = {**mdt.auth(role="mdt-member", user=NURSE), "If-Match": f'W/"{seen}"'}
        return await mdt.client.post(
            f"/fhir/Task/{case_id}/$record-outcome", json=body, headers=headers
        )

    saved = await save("deferred", "First")
    assert saved.status_code == 200, saved.text
    refused = await save("discussed", "Late")
    assert refused.status_code == 412, refused.text
    assert outcome_codes(refused) == ["conflict"]
    current = (await mdt.get(f"Task/{case_id}", role="mdt-member", user=NURSE)).json()
    assert business_status(current) == "deferred"  # the first save stands
