"""What a GP system and a triage clinician do over HTTP, as short helpers for tests."""

from __future__ import annotations

from typing import Any

import httpx
from fhir.resources.R4B.operationoutcome import OperationOutcome

from services.referrals.tests.bodies import (
    EXTENSIONS,
    FHIR_JSON,
    NHS_NUMBER_SYSTEM,
    PRACTICE_A,
    PROVIDER,
    UBRN_SYSTEM,
    service_request,
)
from services.referrals.tests.conftest import (
    Referrals,
    outcome_codes,
)

CONVERSION = {"url": f"{EXTENSIONS}/conversion-authorised", "valueBoolean": True}
"""The referrer's authorisation to convert A&G into a referral without asking again."""


async def submit(
    referrals: Referrals, *, authorise_conversion: bool = False, **fields: Any
) -> dict[str, Any]:
    """A GP at PRACTICE_A submits an A&G request about a newly registered patient."""
    performer = fields.pop("performer", f"HealthcareService/{referrals.default_service}")
    body = service_request(await referrals.registered_patient(), performer=performer)
    body.update(fields)
    if authorise_conversion:
        body["extension"] = [CONVERSION]
    return await referrals.create(body)


def clinician(referrals: Referrals, organisation: str = PROVIDER) -> dict[str, str]:
    return {**referrals.auth("triage-clinician", organisation), "Content-Type": FHIR_JSON}


def referrer(referrals: Referrals) -> dict[str, str]:
    return referrals.write_headers()


def parameters(outcome: str | None, **values: Any) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    if outcome is not None:
        items.append({"name": "outcome", "valueCode": outcome})
    if "note" in values:
        items.append({"name": "note", "valueString": values["note"]})
    if "reason" in values:
        items.append(
            {"name": "reason", "valueCodeableConcept": {"coding": [{"code": values["reason"]}]}}
        )
    if "redirect_to" in values:
        items.append({"name": "redirectTo", "valueReference": {"reference": values["redirect_to"]}})
    return {"resourceType": "Parameters", "parameter": items}


async def triage(
    referrals: Referrals,
    request_id: str,
    outcome: str | None,
    *,
    headers: dict[str, str] | None = None,
    if_match: str | None = None,
    **values: Any,
) -> httpx.Response:
    sent = dict(headers or clinician(referrals))
    if if_match is not None:
        sent["If-Match"] = if_match
    return await referrals.client.post(
        f"/fhir/ServiceRequest/{request_id}/$triage",
        json=parameters(outcome, **values),
        headers=sent,
    )


async def tasks_for(
    referrals: Referrals, request_id: str, code: str = "triage"
) -> list[dict[str, Any]]:
    response = await referrals.client.get(
        "/fhir/Task",
        params={"focus": f"ServiceRequest/{request_id}", "code": code, "_sort": "authored-on"},
        headers=referrals.auth(),
    )
    assert response.status_code == 200, response.text
    return [e["resource"] for e in response.json().get("entry", [])]


async def read(referrals: Referrals, reference: str) -> dict[str, Any]:
    response = await referrals.client.get(f"/fhir/{reference}", headers=referrals.auth())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def state_of(task: dict[str, Any]) -> str:
    return str(task["businessStatus"]["coding"][0]["code"])


async def message(
    referrals: Referrals,
    request: dict[str, Any],
    text: str,
    *,
    headers: dict[str, str] | None = None,
    in_response_to: str | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {
        "resourceType": "Communication",
        "status": "completed",
        "basedOn": [{"reference": f"ServiceRequest/{request['id']}"}],
        "subject": request["subject"],
        "payload": [{"contentString": text}],
    }
    if in_response_to:
        body["inResponseTo"] = [{"reference": in_response_to}]
    return await referrals.client.post(
        "/fhir/Communication", json=body, headers=headers or referrer(referrals)
    )


async def transitions(referrals: Referrals, request_id: str) -> list[tuple[str, str, str]]:
    async with referrals.engine.connect() as conn:
        from sqlalchemy import text

        rows = await conn.execute(
            text(
                "select outcome, from_state, to_state from triage_transition "
                "where service_request = :r order by id"
            ),
            {"r": f"ServiceRequest/{request_id}"},
        )
        return [(r.outcome, r.from_state, r.to_state) for r in rows]


async def events(referrals: Referrals, request_id: str) -> list[str]:
    async with referrals.engine.connect() as conn:
        from sqlalchemy import text

        rows = await conn.execute(
            text("select type from outbox where headers->>'ce_subject' = :s order by seq"),
            {"s": f"ServiceRequest/{request_id}"},
        )
        return [row.type for row in rows]


__all__ = ["NHS_NUMBER_SYSTEM", "PRACTICE_A"]


def ubrn_of(resource: dict[str, Any]) -> str:
    """The request's UBRN (its identifier in the UBRN system)."""
    return str(next(i["value"] for i in resource["identifier"] if i["system"] == UBRN_SYSTEM))


async def written(referrals: Referrals) -> tuple[int, int]:
    """How many resources and versions are stored (a refused request changes neither)."""
    versions = await referrals.scalar("select count(*) from resource_version")
    return await referrals.count(), int(versions)


def assert_outcome(response: httpx.Response, status: int, code: str) -> None:
    """`response` is a valid OperationOutcome with `status` and an issue coded `code`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    OperationOutcome.model_validate(response.json())
    assert code in outcome_codes(response)
