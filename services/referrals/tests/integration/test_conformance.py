"""Issue 14 for referrals: what a GP-system vendor relies on beyond the kernel.

Every local extension and code system is under the project's canonical root and
published (served without a token, listed in the CapabilityStatement); the spellings
clients used before are accepted and stored canonical; the conversion authorisation
is an extension (FHIR allows `orderDetail` only with a `code`, prr-1); an
Organization needs a name or an identifier (org-1); the types people read carry a
narrative; `referral.submitted` names a requester given by ODS code; the standard
ServiceRequest search parameters are there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from referrals.fhir.measure_definitions import MEASURES
from services.referrals.tests.bodies import (
    CANONICAL,
    CODES,
    EXTENSIONS,
    NHS_NUMBER_SYSTEM,
    ODS_SYSTEM,
    PRACTICE_A,
    PROVIDER,
    SPECIALTY,
    service_request,
)
from services.referrals.tests.conftest import (
    Referrals,
    outcome_expressions,
)
from services.referrals.tests.flows import clinician, message, submit, triage

LEGACY = "https://carecoord.example"


def _urls(node: Any) -> Iterator[str]:
    """Every `system` and `url` in a resource."""
    if isinstance(node, list):
        for item in node:
            yield from _urls(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("system", "url") and isinstance(value, str):
                yield value
            yield from _urls(value)


async def test_published_definitions_are_served_without_a_token_and_listed(
    referrals: Referrals,
) -> None:
    statement = (await referrals.client.get("/fhir/metadata")).json()
    system = await referrals.client.get("/fhir/CodeSystem/triage-state")
    by_url = await referrals.client.get(
        "/fhir/ValueSet", params={"url": f"{CANONICAL}/ValueSet/locality"}
    )
    # The kernel serves StructureDefinitions as it serves CodeSystems (its own tests);
    # here, that referrals publishes one for every extension it writes.
    published = referrals.app.state.registry.published

    assert system.status_code == 200
    assert {c["code"] for c in system.json()["concept"]} >= {"awaiting-triage", "awaiting-routing"}
    assert by_url.json()["total"] == 1
    extensions = {k for (kind, k) in published if kind == "StructureDefinition"}
    assert extensions == {
        "triage-state", "converted-to", "conversion-authorised", "response-target",
        "ringing-order", "advice-call-outcome", "follow-up-needed",
    }  # fmt: skip
    assert published[("StructureDefinition", "triage-state")]["url"] == f"{EXTENSIONS}/triage-state"
    (rest,) = statement["rest"]
    listed = {entry["type"] for entry in rest["resource"]}
    assert {"StructureDefinition", "CodeSystem", "ValueSet"} <= listed


async def test_every_local_url_in_stored_resources_is_canonical_and_published(
    referrals: Referrals,
) -> None:
    request = await submit(referrals, authorise_conversion=True)
    await triage(referrals, request["id"], "information-requested", note="Bloods?")
    assert (await message(referrals, request, "Attached")).status_code == 201
    assert (await triage(referrals, request["id"], "converted")).status_code == 200
    async with referrals.engine.connect() as conn:
        from sqlalchemy import text

        rows = await conn.execute(text("select content from resource where content is not null"))
        found = {url for row in rows for url in _urls(orjson.loads(row.content))}
    published = {str(body["url"]) for body in referrals.app.state.registry.published.values()}
    published |= {str(measure["url"]) for measure in MEASURES.values()}  # served as Measures

    local = {url for url in found if "carecoord" in url and not url.startswith("urn:")}
    assert {url for url in local if not url.startswith(CANONICAL)} == set()
    assert local - published == set()
    assert {
        f"{EXTENSIONS}/triage-state",
        f"{EXTENSIONS}/converted-to",
        f"{CODES}/referral-task",
    } <= local


def _legacy_service() -> dict[str, Any]:
    """A directory service written with the URLs clients used before the canonical root."""
    return {
        "resourceType": "HealthcareService",
        "active": True,
        "name": "Legacy-spelt cardiology",
        "providedBy": {"identifier": {"system": ODS_SYSTEM, "value": PROVIDER}},
        "specialty": [{"coding": [{"system": "http://snomed.info/sct", "code": "394579002"}]}],
        "characteristic": [
            {
                "coding": [
                    {
                        "system": f"{LEGACY}/service-characteristic",
                        "code": "advice-and-guidance",
                    }
                ]
            }
        ],
        "extension": [
            {
                "url": f"{LEGACY}/StructureDefinition/response-target",
                "extension": [
                    {"url": "priority", "valueCode": "routine"},
                    {"url": "workingDays", "valuePositiveInt": 3},
                ],
            }
        ],
    }


def _legacy_request(nhs_number: str, service_id: str) -> dict[str, Any]:
    """An A&G request with the older category and authorisation spellings."""
    body = service_request(nhs_number, performer=f"HealthcareService/{service_id}")
    body["category"] = [
        {"coding": [{"system": f"{LEGACY}/request-category", "code": "advice-and-guidance"}]}
    ]
    body["orderDetail"] = [
        {
            "coding": [
                {"system": f"{LEGACY}/referrer-authorisation", "code": "conversion-authorised"}
            ]
        }
    ]
    return body


async def test_older_spellings_are_accepted_and_stored_canonical(referrals: Referrals) -> None:
    service = await referrals.create(_legacy_service())
    request = await referrals.create(
        _legacy_request(await referrals.registered_patient(), service["id"])
    )

    converted = await triage(referrals, request["id"], "converted", headers=clinician(referrals))

    assert service["characteristic"][0]["coding"][0]["system"] == f"{CODES}/service-characteristic"
    assert service["extension"][0]["url"] == f"{EXTENSIONS}/response-target"
    assert request["category"][0]["coding"][0]["system"] == f"{CODES}/request-category"
    assert "orderDetail" not in request
    assert {"url": f"{EXTENSIONS}/conversion-authorised", "valueBoolean": True} in request[
        "extension"
    ]
    assert converted.status_code == 200, converted.text
    assert {p["name"]: p for p in converted.json()["parameter"]}["state"][
        "valueCode"
    ] == "converted"


async def test_referral_submitted_names_a_requester_given_by_ods_code(referrals: Referrals) -> None:
    request = await submit(referrals)

    async with referrals.engine.connect() as conn:
        from sqlalchemy import text

        payload = await conn.scalar(
            text("select payload from outbox where type = :t and headers->>'ce_subject' = :s"),
            {"t": "carecoord.referral.submitted.v1", "s": f"ServiceRequest/{request['id']}"},
        )
    event = orjson.loads(payload)
    data = event.get("data", event)

    assert request["requester"] == {"identifier": {"system": ODS_SYSTEM, "value": PRACTICE_A}}
    assert data["requester"] == PRACTICE_A


async def test_an_organization_needs_a_name_or_an_identifier(referrals: Referrals) -> None:
    nameless = await referrals.client.post(
        "/fhir/Organization",
        json={"resourceType": "Organization", "active": True},
        headers=referrals.admin(),
    )
    named = await referrals.client.post(
        "/fhir/Organization",
        json={
            "resourceType": "Organization",
            "identifier": [{"system": ODS_SYSTEM, "value": "Y0T777"}],
        },
        headers=referrals.admin(),
    )

    assert nameless.status_code == 400
    assert outcome_expressions(nameless) == ["Organization.name"]
    assert named.status_code == 201, named.text


async def test_the_resources_people_read_carry_a_narrative(referrals: Referrals) -> None:
    request = await submit(referrals, note=[{"text": "Intermittent chest pain on exertion"}])
    (task,) = (
        await referrals.client.get(
            "/fhir/Task",
            params={"focus": f"ServiceRequest/{request['id']}"},
            headers=referrals.auth(),
        )
    ).json()["entry"]

    for resource in (request, task["resource"]):
        assert resource["text"]["status"] == "generated"
        assert resource["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    assert "Intermittent chest pain" in request["text"]["div"]


async def test_the_standard_service_request_search_parameters(referrals: Referrals) -> None:
    request = await submit(referrals)
    nhs_number = request["subject"]["identifier"]["value"]
    searches = {
        "subject:identifier": f"{NHS_NUMBER_SYSTEM}|{nhs_number}",
        "patient:identifier": f"{NHS_NUMBER_SYSTEM}|{nhs_number}",
        "requester:identifier": f"{ODS_SYSTEM}|{PRACTICE_A}",
        "authored": "ge2024-03-01",
        "performer-type": f"{SPECIALTY['system']}|{SPECIALTY['code']}",
    }

    found = {
        name: {
            e["resource"]["id"]
            for e in (
                await referrals.client.get(
                    "/fhir/ServiceRequest",
                    params={name: value, "_id": request["id"]},
                    headers=referrals.auth(),
                )
            ).json()["entry"]
        }
        for name, value in searches.items()
    }

    assert found == {name: {request["id"]} for name in searches}
