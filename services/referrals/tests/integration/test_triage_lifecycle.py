"""The A&G lifecycle through the FHIR API, as a GP system and a specialist drive it.

After submission (test_submission_and_routing), each `$triage` outcome moves the
triage Task, keeps the transition and announces it; the conversation turns the clock
back on; conversion makes a cross-referenced referral, or asks the referrer first.
"""

from __future__ import annotations

import re

import pytest

from services.referrals.tests.bodies import (
    PRACTICE_A,
    PROVIDER,
    healthcare_service,
)
from services.referrals.tests.conftest import (
    Referrals,
    outcome_codes,
)
from services.referrals.tests.flows import (
    events,
    message,
    read,
    referrer,
    state_of,
    submit,
    tasks_for,
    transitions,
    triage,
    ubrn_of,
)


@pytest.mark.parametrize(
    ("outcome", "extra", "state", "task_status", "request_status"),
    [
        ("advice-given", {"note": "Try a statin"}, "advice-given", "completed", "completed"),
        ("accepted", {}, "accepted", "completed", "active"),
        ("rejected", {"reason": "not-appropriate"}, "rejected", "rejected", "revoked"),
    ],
)
async def test_a_provider_outcome_finishes_the_triage(
    referrals: Referrals,
    outcome: str,
    extra: dict[str, str],
    state: str,
    task_status: str,
    request_status: str,
) -> None:
    request = await submit(referrals)

    response = await triage(referrals, request["id"], outcome, **extra)

    assert response.status_code == 200, response.text
    assert response.json()["parameter"][0] == {"name": "state", "valueCode": state}
    (task,) = await tasks_for(referrals, request["id"])
    assert (task["status"], state_of(task)) == (task_status, state)
    assert task["output"][-1]["type"]["coding"][0]["code"] == outcome
    assert (await read(referrals, f"ServiceRequest/{request['id']}"))["status"] == request_status
    assert await transitions(referrals, request["id"]) == [(outcome, "awaiting-triage", state)]
    assert "carecoord.referral.triaged.v1" in await events(referrals, request["id"])


async def test_redirection_opens_a_task_at_the_new_service_and_keeps_the_history(
    referrals: Referrals,
) -> None:
    elsewhere = {"system": "http://snomed.info/sct", "code": "394810000"}
    other = await referrals.create(healthcare_service(provider="Y0T003", specialty=elsewhere))
    request = await submit(referrals)
    first_service = request["performer"][0]["reference"]

    response = await triage(
        referrals, request["id"], "redirected", redirect_to=f"HealthcareService/{other['id']}"
    )

    assert response.status_code == 200, response.text
    old, new = await tasks_for(referrals, request["id"])
    assert (old["owner"]["reference"], state_of(old)) == (first_service, "redirected")
    assert (new["owner"]["reference"], state_of(new)) == (
        f"HealthcareService/{other['id']}",
        "awaiting-triage",
    )
    now = await read(referrals, f"ServiceRequest/{request['id']}")
    assert now["performer"] == [{"reference": f"HealthcareService/{other['id']}"}]
    # The new service's clinicians can triage it; the old service's no longer can.
    moved_on = await triage(referrals, request["id"], "accepted")
    assert moved_on.status_code == 403
    accepted = await triage(
        referrals, request["id"], "accepted", headers=_clinician_at(referrals, "Y0T003")
    )
    assert accepted.status_code == 200, accepted.text
    assert await transitions(referrals, request["id"]) == [
        ("redirected", "awaiting-triage", "redirected"),
        ("accepted", "awaiting-triage", "accepted"),
    ]
    assert (await events(referrals, request["id"])).count("carecoord.referral.routed.v1") == 2
    shown = await referrals.client.get(
        f"/fhir/ServiceRequest/{request['id']}/$triage-history", headers=referrals.auth()
    )
    steps = [{p["name"]: p for p in t["part"]} for t in shown.json()["parameter"]]
    assert [(s["outcome"]["valueCode"], s["organisation"]["valueString"]) for s in steps] == [
        ("redirected", PROVIDER),
        ("accepted", "Y0T003"),
    ]
    assert all(s["role"]["valueCode"] == "triage-clinician" and s["when"] for s in steps)


def _clinician_at(referrals: Referrals, organisation: str) -> dict[str, str]:
    from services.referrals.tests.flows import clinician

    return clinician(referrals, organisation)


async def test_information_requested_waits_for_the_referrer_then_resumes(
    referrals: Referrals,
) -> None:
    request = await submit(referrals)

    asked = await triage(referrals, request["id"], "information-requested", note="Recent bloods?")
    assert asked.status_code == 200, asked.text
    (task,) = await tasks_for(referrals, request["id"])
    assert (task["status"], state_of(task)) == ("on-hold", "awaiting-information")
    (question,) = await tasks_for(referrals, request["id"], "information-request")
    assert question["owner"]["identifier"]["value"] == PRACTICE_A
    blocked = await triage(referrals, request["id"], "accepted")
    assert blocked.status_code == 409

    answer = await message(referrals, request, "Bloods attached")

    assert answer.status_code == 201, answer.text
    (task,) = await tasks_for(referrals, request["id"])
    assert (task["status"], state_of(task)) == ("ready", "awaiting-triage")
    (question,) = await tasks_for(referrals, request["id"], "information-request")
    assert question["status"] == "completed"
    assert (await triage(referrals, request["id"], "accepted")).status_code == 200
    assert "carecoord.referral.message-added.v1" in await events(referrals, request["id"])


async def test_conversion_with_authorisation_makes_a_cross_referenced_referral(
    referrals: Referrals,
) -> None:
    request = await submit(referrals, authorise_conversion=True)

    response = await triage(referrals, request["id"], "converted")

    assert response.status_code == 200, response.text
    referral_ref = next(p for p in response.json()["parameter"] if p["name"] == "referral")
    referral = await read(referrals, referral_ref["valueReference"]["reference"])
    assert re.fullmatch(r"r\.[0-9]{12}", ubrn_of(referral))
    assert referral["replaces"][0]["reference"] == f"ServiceRequest/{request['id']}"
    assert referral["replaces"][0]["identifier"]["value"] == ubrn_of(request)
    advice = await read(referrals, f"ServiceRequest/{request['id']}")
    assert advice["status"] == "completed"
    assert ubrn_of(referral) in str(advice["extension"])
    assert "carecoord.referral.converted.v1" in await events(referrals, request["id"])


async def test_conversion_without_authorisation_asks_the_referrer_who_can_then_convert(
    referrals: Referrals,
) -> None:
    request = await submit(referrals)

    asked = await triage(referrals, request["id"], "converted")

    assert asked.json()["parameter"][0]["valueCode"] == "awaiting-conversion-authorisation"
    (ask,) = await tasks_for(referrals, request["id"], "conversion-request")
    assert ask["owner"]["identifier"]["value"] == PRACTICE_A
    searched = await referrals.client.get(
        "/fhir/ServiceRequest",
        params={"_id": request["id"], "triage-state": "awaiting-conversion-authorisation"},
        headers=referrals.auth(),
    )
    assert [e["resource"]["id"] for e in searched.json()["entry"]] == [request["id"]]
    authorised = await triage(referrals, request["id"], "converted", headers=referrer(referrals))
    assert authorised.status_code == 200, authorised.text
    assert any(p["name"] == "referral" for p in authorised.json()["parameter"])
    (ask,) = await tasks_for(referrals, request["id"], "conversion-request")
    assert ask["status"] == "completed"  # off the referrer's worklist


async def test_cancelling_while_information_is_awaited_ends_the_referrers_task(
    referrals: Referrals,
) -> None:
    request = await submit(referrals)
    await triage(referrals, request["id"], "information-requested", note="Bloods?")

    cancelled = await triage(referrals, request["id"], "cancelled", headers=referrer(referrals))

    assert cancelled.status_code == 200, cancelled.text
    (question,) = await tasks_for(referrals, request["id"], "information-request")
    assert question["status"] == "cancelled"


async def test_only_the_referrer_can_cancel(referrals: Referrals) -> None:
    request = await submit(referrals)

    by_provider = await triage(referrals, request["id"], "cancelled")
    by_referrer = await triage(referrals, request["id"], "cancelled", headers=referrer(referrals))

    assert by_provider.status_code == 403
    assert by_referrer.status_code == 200
    assert (await read(referrals, f"ServiceRequest/{request['id']}"))["status"] == "revoked"


async def test_a_finished_request_refuses_another_outcome_saying_why(referrals: Referrals) -> None:
    request = await submit(referrals)
    await triage(referrals, request["id"], "accepted")

    again = await triage(referrals, request["id"], "rejected", reason="duplicate")

    assert again.status_code == 409
    assert outcome_codes(again) == ["conflict"]
    assert "accepted" in again.json()["issue"][0]["diagnostics"]
    assert await transitions(referrals, request["id"]) == [
        ("accepted", "awaiting-triage", "accepted")
    ]


async def test_someone_from_an_unrelated_organisation_cannot_triage(referrals: Referrals) -> None:
    request = await submit(referrals)

    response = await triage(
        referrals, request["id"], "accepted", headers=_clinician_at(referrals, "Y0T009")
    )

    assert response.status_code == 404  # they cannot even see the patient's request
    assert PROVIDER != "Y0T009"


async def test_a_turn_answers_an_earlier_turn_of_the_same_conversation(
    referrals: Referrals,
) -> None:
    request = await submit(referrals)
    other = await submit(referrals)
    first = await message(referrals, request, "Question")
    assert first.status_code == 201, first.text

    reply = await message(
        referrals, request, "Answer", in_response_to=f"Communication/{first.json()['id']}"
    )
    astray = await message(
        referrals, other, "Wrong thread", in_response_to=f"Communication/{first.json()['id']}"
    )
    dangling = await message(referrals, request, "Lost", in_response_to="Communication/nope")

    assert reply.status_code == 201, reply.text
    assert (astray.status_code, dangling.status_code) == (422, 422)
    assert outcome_codes(astray) == ["business-rule"]


def _document(request: dict[str, object], data: bytes) -> dict[str, object]:
    import base64

    return {
        "resourceType": "DocumentReference",
        "status": "current",
        "subject": request["subject"],
        "context": {"related": [{"reference": f"ServiceRequest/{request['id']}"}]},
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "data": base64.b64encode(data).decode(),
                }
            }
        ],
    }


async def test_attachments_are_kept_with_the_request_within_the_size_limit(
    referrals: Referrals,
) -> None:
    request = await submit(referrals)

    small = await referrals.client.post(
        "/fhir/DocumentReference",
        json=_document(request, b"%PDF-1.4 letter"),
        headers=referrer(referrals),
    )
    large = await referrals.client.post(
        "/fhir/DocumentReference",
        json=_document(request, b"x" * 600_000),
        headers=referrer(referrals),
    )

    assert small.status_code == 201, small.text
    assert large.status_code == 413
    assert outcome_codes(large) == ["too-costly"]
    found = await referrals.client.get(
        "/fhir/DocumentReference",
        params={"related": f"ServiceRequest/{request['id']}"},
        headers=_clinician_at(referrals, PROVIDER),
    )
    assert [e["resource"]["id"] for e in found.json()["entry"]] == [small.json()["id"]]
