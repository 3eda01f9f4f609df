"""Issue 13's findings about whose a record is, each with the wrong user's refusal beside
the right user's success (so no row can pass because nothing works).

2: a Communication, DocumentReference or Task must be tied to a patient (never stored
as no one's); a message `basedOn` a request takes the request's patient. 1: an old
version of a message whose patient changed is the old patient's. 10: writes reveal
nothing about hidden requests. (3 and 4: `test_configuration_and_grant_findings`.)
"""

from __future__ import annotations

from typing import Any

import pytest

from services.referrals.tests.bodies import (
    NHS_NUMBER_SYSTEM,
    PRACTICE_A,
    PRACTICE_B,
    triage_task,
)
from services.referrals.tests.conftest import (
    Referrals,
    outcome_expressions,
)
from services.referrals.tests.flows import submit


def _by_nhs(nhs_number: str) -> dict[str, Any]:
    return {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number}}


def _about(resource_type: str, subject: dict[str, Any] | None) -> dict[str, Any]:
    """A minimal Communication, DocumentReference or Task about `subject` (or no one)."""
    body: dict[str, Any] = {
        "Communication": {"resourceType": "Communication", "status": "completed"},
        "DocumentReference": {
            "resourceType": "DocumentReference",
            "status": "current",
            "content": [{"attachment": {"contentType": "text/plain", "data": "aGk="}}],
        },
        "Task": triage_task("ServiceRequest/x"),
    }[resource_type]
    if subject is not None:
        body["for" if resource_type == "Task" else "subject"] = subject
    return body


@pytest.mark.parametrize("resource_type", ["Communication", "DocumentReference", "Task"])
@pytest.mark.parametrize(
    "subject",
    [None, {"display": "Mrs Jones"}, {"reference": "Patient/unknown-to-referrals"}],
    ids=["no-one", "display-text", "unresolvable-patient-id"],
)
async def test_finding_2_a_record_tied_to_no_patient_is_refused_not_stored(
    referrals: Referrals, resource_type: str, subject: dict[str, Any] | None
) -> None:
    before = await referrals.count(resource_type)
    headers = referrals.write_headers()

    refused = await referrals.client.post(
        f"/fhir/{resource_type}", json=_about(resource_type, subject), headers=headers
    )
    nhs_number = await referrals.registered_patient()
    stored = await referrals.client.post(
        f"/fhir/{resource_type}", json=_about(resource_type, _by_nhs(nhs_number)), headers=headers
    )

    assert refused.status_code == 422, refused.text
    assert outcome_expressions(refused) == [
        "Task.for" if resource_type == "Task" else f"{resource_type}.subject"
    ]
    assert stored.status_code == 201, stored.text
    assert await referrals.count(resource_type) == before + 1


async def test_finding_2_a_message_based_on_a_request_takes_the_requests_patient(
    referrals: Referrals,
) -> None:
    request = await submit(referrals)
    body = {
        "resourceType": "Communication",
        "status": "completed",
        "basedOn": [{"reference": f"ServiceRequest/{request['id']}"}],
        "payload": [{"contentString": "Bloods attached"}],
    }

    sent = await referrals.client.post(
        "/fhir/Communication", json=body, headers=referrals.write_headers()
    )
    url = f"/fhir/Communication/{sent.json()['id']}"
    stranger = await referrals.client.get(url, headers=referrals.auth("gp", PRACTICE_B))
    own = await referrals.client.get(url, headers=referrals.auth())

    assert sent.status_code == 201, sent.text
    assert sent.json()["subject"] == request["subject"]
    assert stranger.status_code == 404
    assert own.status_code == 200


async def test_finding_1_an_old_version_of_a_moved_message_stays_the_old_patients(
    referrals: Referrals,
) -> None:
    first = await referrals.registered_patient(PRACTICE_A)
    second = await referrals.registered_patient(PRACTICE_A)
    await referrals.register(second, PRACTICE_B)
    message = await referrals.create(
        {"resourceType": "Communication", "status": "completed", "subject": _by_nhs(first)}
    )
    url = f"/fhir/Communication/{message['id']}"
    moved = await referrals.client.put(
        url, json={**message, "subject": _by_nhs(second)}, headers=referrals.write_headers()
    )
    new_gp = referrals.auth("gp", PRACTICE_B)

    old_by_new_gp = await referrals.client.get(f"{url}/_history/1", headers=new_gp)
    history_by_new_gp = await referrals.client.get(f"{url}/_history", headers=new_gp)
    current_by_new_gp = await referrals.client.get(f"{url}/_history/2", headers=new_gp)
    old_by_old_gp = await referrals.client.get(f"{url}/_history/1", headers=referrals.auth())

    assert moved.status_code == 200, moved.text
    assert old_by_new_gp.status_code == 404
    versions = [e["resource"]["meta"]["versionId"] for e in history_by_new_gp.json()["entry"]]
    assert history_by_new_gp.status_code == 200
    assert versions == ["2"]
    assert current_by_new_gp.status_code == 200
    assert old_by_old_gp.status_code == 200
    assert old_by_old_gp.json()["subject"] == _by_nhs(first)


async def test_finding_10_a_message_on_a_hidden_request_reads_like_one_on_an_unknown_request(
    referrals: Referrals,
) -> None:
    hidden = await submit(referrals)  # practice A's patient
    mine = await referrals.registered_patient(PRACTICE_B)
    headers = referrals.write_headers(organisation=PRACTICE_B)

    def message(request_id: str) -> dict[str, Any]:
        return {
            "resourceType": "Communication",
            "status": "completed",
            "subject": _by_nhs(mine),
            "basedOn": [{"reference": f"ServiceRequest/{request_id}"}],
        }

    on_hidden = await referrals.client.post(
        "/fhir/Communication", json=message(hidden["id"]), headers=headers
    )
    on_unknown = await referrals.client.post(
        "/fhir/Communication", json=message("no-such-request"), headers=headers
    )
    own = await submit(referrals)
    on_visible = await referrals.client.post(
        "/fhir/Communication",
        json={**message(own["id"]), "subject": own["subject"]},
        headers=referrals.write_headers(),
    )

    assert on_hidden.status_code == on_unknown.status_code == 422
    assert on_hidden.json() == on_unknown.json()
    assert outcome_expressions(on_hidden) == ["Communication.basedOn"]
    assert on_visible.status_code == 201, on_visible.text


async def test_finding_10_put_to_an_unknown_id_reads_like_put_to_a_hidden_one(
    referrals: Referrals,
) -> None:
    hidden = await submit(referrals)
    body = {k: v for k, v in hidden.items() if k not in ("id", "meta")}
    headers = referrals.write_headers(organisation=PRACTICE_B)

    to_hidden = await referrals.client.put(
        f"/fhir/ServiceRequest/{hidden['id']}", json={**body, "id": hidden["id"]}, headers=headers
    )
    to_unknown = await referrals.client.put(
        "/fhir/ServiceRequest/chosen-by-client",
        json={**body, "id": "chosen-by-client"},
        headers=headers,
    )
    by_owner = await referrals.client.put(
        f"/fhir/ServiceRequest/{hidden['id']}",
        json={**body, "id": hidden["id"]},
        headers=referrals.write_headers(),
    )

    assert to_hidden.status_code == to_unknown.status_code == 404
    assert [i["code"] for i in to_hidden.json()["issue"]] == [
        i["code"] for i in to_unknown.json()["issue"]
    ]
    assert by_owner.status_code == 200, by_owner.text
