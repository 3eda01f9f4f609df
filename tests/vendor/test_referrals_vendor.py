"""Referrals as a GP-system vendor drives it: fhirpy and fhirclient over real HTTP.

An advice & guidance request is created and read back, updated with `If-Match`,
created conditionally without a duplicate, and a practice's requests are paged
through the service's absolute `next` links; the wrong-patient search of issue 14
(an unsupported chain) is refused with 400 and the OperationOutcome each client
raises, and `Prefer: handling=lenient` shows why strict is the default. A triage
clinician's system pages the provider's worklist and triages with `If-Match`. What the
clients need is written in the README's "For vendors" (each snippet there is one of
these calls).
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from fhirclient.models.servicerequest import ServiceRequest  # type: ignore[import-untyped]
from fhirpy.base.exceptions import MultipleResourcesFound, OperationOutcome

from referrals.domain.vocabulary import REQUEST_CATEGORY, UBRN_SYSTEM
from tests.access.bodies import NHS, ODS, P1
from tests.vendor.live import Live, blocking, refused_issue

CODES = "https://fhir.carecoord.example/CodeSystem"
PROVIDER = "RXX01"
DIRECTORY = "user/Organization.cruds user/HealthcareService.cruds user/PractitionerRole.cruds"
LOCAL_ID = "https://gp-system.example/Id/request"
"""The vendor's own identifier for a request, kept beside the UBRN the service assigns."""


def a_and_g(nhs: str, local: str) -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "category": [{"coding": [{"system": REQUEST_CATEGORY, "code": "advice-and-guidance"}]}],
        "priority": "routine",
        "subject": {"identifier": {"system": NHS, "value": nhs}},
        "identifier": [{"system": LOCAL_ID, "value": local}],
        "requester": {"identifier": {"system": ODS, "value": P1}},
    }


def about(nhs: str) -> dict[str, str]:
    return {"subject:identifier": f"{NHS}|{nhs}"}


@pytest.fixture
async def referrals(services: Any) -> Live:
    live: Live = await services.get("referrals")
    return live


async def test_fhirpy_creates_an_a_and_g_request_and_reads_it_back(referrals: Live) -> None:
    nhs = await referrals.patient()
    client = referrals.fhirpy(referrals.token("gp", user="sds-gp-1"))

    request = client.resource("ServiceRequest", **a_and_g(nhs, "fp-create"))
    await request.save()
    read = await client.reference("ServiceRequest", request.id).to_resource()
    first = await client.resources("ServiceRequest").search(**about(nhs)).first()

    ubrns = [i["value"] for i in read["identifier"] if i["system"] == UBRN_SYSTEM]
    assert len(ubrns) == 1
    assert ubrns[0].startswith("a.")
    assert read["meta"]["versionId"] == "1"
    assert read["subject"]["identifier"]["value"] == nhs
    assert first is not None
    assert first.id == request.id


async def test_fhirpy_updates_with_if_match_and_a_stale_one_raises(referrals: Live) -> None:
    nhs = await referrals.patient()
    token = referrals.token("gp", user="sds-gp-1")
    request = referrals.fhirpy(token).resource("ServiceRequest", **a_and_g(nhs, "fp-update"))
    await request.save()

    read: dict[str, Any] = request.serialize()  # type: ignore[no-untyped-call]
    at_v1 = referrals.fhirpy(token, **{"If-Match": 'W/"1"'})
    await at_v1.resource("ServiceRequest", **(read | {"status": "on-hold"})).save()
    stale = at_v1.resource("ServiceRequest", **(read | {"priority": "urgent"}))
    with pytest.raises(MultipleResourcesFound, match="stale"):  # how fhirpy reports a 412
        await stale.save()

    stored = await referrals.fhirpy(token).reference("ServiceRequest", request.id).to_resource()
    assert (stored["meta"]["versionId"], stored["status"]) == ("2", "on-hold")
    assert stored["priority"] == "routine"


async def test_fhirpy_pages_with_fetch_all_through_absolute_next_links(referrals: Live) -> None:
    nhs = await referrals.patient()
    client = referrals.fhirpy(referrals.token("gp", user="sds-gp-1"))
    made = []
    for n in range(5):
        request = client.resource("ServiceRequest", **a_and_g(nhs, f"fp-page-{n}"))
        await request.save()
        made.append(request.id)

    pages = client.resources("ServiceRequest").search(**about(nhs)).limit(2)
    first = await pages.fetch_raw()
    everything = await pages.fetch_all()

    assert len(first["entry"]) == 2
    next_link = next(link["url"] for link in first["link"] if link["relation"] == "next")
    assert next_link.startswith(f"{referrals.base}/ServiceRequest?")
    assert sorted(r.id for r in everything) == sorted(made)


async def test_fhirpy_conditional_create_needs_if_none_exist(referrals: Live) -> None:
    nhs = await referrals.patient()
    token = referrals.token("gp", user="sds-gp-1")
    body = a_and_g(nhs, "fp-once")
    criteria = f"identifier={LOCAL_ID}|fp-once"

    searched = (
        referrals.fhirpy(token).resources("ServiceRequest").search(identifier=f"{LOCAL_ID}|fp-once")
    )
    with pytest.raises(OperationOutcome) as refused:  # get_or_create sends query parameters
        await searched.get_or_create(referrals.fhirpy(token).resource("ServiceRequest", **body))
    once = referrals.fhirpy(token, **{"If-None-Exist": criteria})
    first = await once.resource("ServiceRequest", **body).save()
    again = await once.resource("ServiceRequest", **body).save()

    assert refused_issue(refused.value)[1]["expression"] == ["If-None-Exist"]
    assert again.id == first.id
    assert [r.id for r in await searched.fetch_all()] == [first.id]


async def test_fhirpy_wrong_patient_search_raises_and_lenient_shows_why(referrals: Live) -> None:
    a, b = await referrals.patient(), await referrals.patient()
    token = referrals.token("gp", user="sds-gp-1")
    for nhs in (a, b):  # the practice's own identifier narrows the search to these two
        await referrals.fhirpy(token).resource("ServiceRequest", **a_and_g(nhs, f"wp-{a}")).save()
    chain = {"subject.identifier": f"{NHS}|{a}", "identifier": f"{LOCAL_ID}|wp-{a}"}

    with pytest.raises(OperationOutcome) as refused:
        await referrals.fhirpy(token).resources("ServiceRequest").search(**chain).fetch()
    lenient = referrals.fhirpy(token, Prefer="handling=lenient")
    dropped = await lenient.resources("ServiceRequest").search(**chain).fetch_raw()

    _, issue = refused_issue(refused.value)
    assert (issue["severity"], issue["expression"]) == ("error", ["subject.identifier"])
    patients = {
        e.resource["subject"]["identifier"]["value"]
        for e in dropped["entry"]
        if e.resource["resourceType"] == "ServiceRequest"
    }
    assert patients == {a, b}  # the chain was dropped: another patient's request came back
    outcome = [e for e in dropped["entry"] if e["search"]["mode"] == "outcome"]
    assert outcome[0].resource["issue"][0]["severity"] == "warning"


async def test_fhirclient_creates_updates_and_refuses_a_stale_version(referrals: Live) -> None:
    nhs = await referrals.patient()
    server = referrals.fhirclient(referrals.token("gp", user="sds-gp-1"))

    created = await blocking(ServiceRequest(a_and_g(nhs, "fc-create")).create, server)
    request = await blocking(ServiceRequest.read, created["id"], server)
    request.status = "on-hold"
    server.session.headers["If-Match"] = 'W/"1"'  # fhirclient sends no If-Match itself
    await blocking(request.update, server)
    request.priority = "urgent"
    with pytest.raises(requests.HTTPError) as stale:
        await blocking(request.update, server)
    del server.session.headers["If-Match"]
    stored = await blocking(ServiceRequest.read, created["id"], server)

    assert refused_issue(stale.value)[0] == 412
    assert (stored.meta.versionId, stored.status, stored.priority) == ("2", "on-hold", "routine")
    assert any(i.system == UBRN_SYSTEM for i in stored.identifier)


async def test_fhirclient_pages_a_worklist_and_creates_conditionally(referrals: Live) -> None:
    nhs = await referrals.patient()
    server = referrals.fhirclient(referrals.token("gp", user="sds-gp-1"))
    server.session.headers["If-None-Exist"] = f"identifier={LOCAL_ID}|fc-once"
    once = [
        await blocking(ServiceRequest(a_and_g(nhs, "fc-once")).create, server) for _ in range(2)
    ]
    del server.session.headers["If-None-Exist"]
    for n in range(4):
        await blocking(ServiceRequest(a_and_g(nhs, f"fc-page-{n}")).create, server)

    search = ServiceRequest.where({**about(nhs), "_count": "2"})
    bundles = await blocking(lambda: list(search.perform_iter(server)))

    assert once[0]["id"] == once[1]["id"]
    assert [len(b.entry) for b in bundles] == [2, 2, 1]
    locals_ = sorted(
        i.value
        for b in bundles
        for e in b.entry
        for i in e.resource.identifier
        if i.system == LOCAL_ID
    )
    assert locals_ == ["fc-once", *(f"fc-page-{n}" for n in range(4))]


async def test_fhirclient_wrong_patient_search_raises_and_lenient_yields_the_warning(
    referrals: Live,
) -> None:
    nhs = await referrals.patient()
    server = referrals.fhirclient(referrals.token("gp", user="sds-gp-1"))
    await blocking(ServiceRequest(a_and_g(nhs, f"fc-wp-{nhs}")).create, server)
    search = ServiceRequest.where(
        {"subject.identifier": f"{NHS}|{nhs}", "identifier": f"{LOCAL_ID}|fc-wp-{nhs}"}
    )

    with pytest.raises(requests.HTTPError) as refused:
        await blocking(lambda: list(search.perform_resources_iter(server)))
    server.session.headers["Prefer"] = "handling=lenient"
    lenient = await blocking(lambda: list(search.perform_resources_iter(server)))

    status, issue = refused_issue(refused.value)
    assert (status, issue["expression"]) == (400, ["subject.identifier"])
    assert sorted(r.resource_type for r in lenient) == ["OperationOutcome", "ServiceRequest"]


def an_advice_service() -> dict[str, Any]:
    return {
        "resourceType": "HealthcareService",
        "active": True,
        "name": "Respiratory A&G",
        "providedBy": {"identifier": {"system": ODS, "value": PROVIDER}},
        "specialty": [{"coding": [{"system": "http://snomed.info/sct", "code": "394594003"}]}],
        "characteristic": [
            {
                "coding": [
                    {"system": f"{CODES}/service-characteristic", "code": "advice-and-guidance"}
                ]
            }
        ],
    }


async def test_fhirpy_triage_clinician_pages_the_worklist_and_triages(referrals: Live) -> None:
    admin = referrals.fhirpy(referrals.token("admin", user="sds-admin-1", scopes=DIRECTORY))
    service = await admin.resource("HealthcareService", **an_advice_service()).save()
    gp = referrals.fhirpy(referrals.token("gp", user="sds-gp-1"))
    for n in range(3):
        body = a_and_g(await referrals.patient(), f"triage-{n}")
        await gp.resource("ServiceRequest", **body, performer=[service.to_reference()]).save()
    clinician = referrals.token("triage-clinician", organisation=PROVIDER, user="sds-tc-1")

    worklist = (
        referrals.fhirpy(clinician)
        .resources("Task")
        .search(
            owner=f"HealthcareService/{service.id}",
            status="ready",
            business_status="awaiting-triage",
        )
    )
    tasks = await worklist.sort("due").limit(2).fetch_all()
    request = (
        await referrals.fhirpy(clinician)
        .reference("ServiceRequest", tasks[0]["focus"]["reference"].split("/")[1])
        .to_resource()
    )
    at_version = {"If-Match": f'W/"{request["meta"]["versionId"]}"'}
    outcome = {
        "resourceType": "Parameters",
        "parameter": [{"name": "outcome", "valueCode": "accepted"}],
    }
    answer = (
        await referrals.fhirpy(clinician, **at_version)
        .reference("ServiceRequest", request.id)
        .execute("$triage", data=outcome)
    )

    assert len(tasks) == 3
    assert {p["name"]: p.get("valueCode") for p in answer["parameter"]}["state"] == "accepted"
