"""HTTP defects a vendor met (issue 14, items 1 and 2), fixed in the kernel and kept as
regression tests against referrals served over real HTTP (uvicorn):

- `HEAD` works everywhere `GET` does: `/fhir/metadata`, type and system `_history`,
  published definitions, read-only operations and the SMART discovery document (they
  answered 404 or 405), with the GET's status and Content-Type and no body.
- A 405's `Allow` lists every method the URL serves (`DELETE /fhir/ServiceRequest`
  said `Allow: PUT`, though the type URL also serves GET, HEAD and POST).
- Searching the published definitions (CodeSystem, ValueSet, StructureDefinition) is
  strict: an unknown parameter is a 400 naming it (it was dropped without a word).
- `_pretty`, one of the general parameters FHIR defines for every interaction, is
  accepted on a search and on a create (both refused it with 400).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fhirpy.base.exceptions import OperationOutcome

from tests.vendor.live import Live, refused_issue
from tests.vendor.test_referrals_vendor import a_and_g, about


@pytest.fixture
async def referrals(services: Any) -> Live:
    live: Live = await services.get("referrals")
    return live


async def _a_request(live: Live, token: str) -> str:
    nhs = await live.patient()
    request = await live.fhirpy(token).resource("ServiceRequest", **a_and_g(nhs, "http")).save()
    return str(request.id)


@pytest.mark.parametrize(
    "path",
    [
        "/fhir/metadata",
        "/fhir/_history",
        "/fhir/ServiceRequest/_history",
        "/fhir/OperationDefinition/triage",
        "/fhir/ServiceRequest/{id}/$triage-history",
        "/.well-known/smart-configuration",
        "/fhir/.well-known/smart-configuration",
    ],
)
async def test_head_answers_where_get_does(referrals: Live, path: str) -> None:
    token = referrals.token("gp", user="sds-gp-1")
    url = referrals.base.removesuffix("/fhir") + path.format(id=await _a_request(referrals, token))
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http:
        got = await http.get(url)
        head = await http.head(url)

    assert got.status_code == 200
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-type"] == got.headers["content-type"]


@pytest.mark.parametrize(
    ("method", "path", "served"),
    [
        ("DELETE", "/fhir/ServiceRequest", {"GET", "HEAD", "POST", "PUT"}),
        ("POST", "/fhir/ServiceRequest/{id}", {"GET", "HEAD", "PUT", "PATCH", "DELETE"}),
        ("DELETE", "/fhir/metadata", {"GET", "HEAD"}),
    ],
)
async def test_a_405_allows_every_method_the_url_serves(
    referrals: Live, method: str, path: str, served: set[str]
) -> None:
    token = referrals.token("gp", user="sds-gp-1")
    url = referrals.base.removesuffix("/fhir") + path.format(id=await _a_request(referrals, token))
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http:
        refused = await http.request(method, url)

    assert refused.status_code == 405
    assert {m.strip() for m in refused.headers["allow"].split(",")} == served


@pytest.mark.parametrize("resource_type", ["CodeSystem", "ValueSet", "StructureDefinition"])
async def test_published_definitions_refuse_an_unknown_parameter(
    referrals: Live, resource_type: str
) -> None:
    client = referrals.fhirpy(referrals.token("gp", user="sds-gp-1"))
    with pytest.raises(OperationOutcome) as refused:
        await client.resources(resource_type).search(bogus="1").fetch()
    assert refused_issue(refused.value)[1]["expression"] == ["bogus"]


async def test_a_search_accepts_pretty(referrals: Live) -> None:
    nhs = await referrals.patient()
    client = referrals.fhirpy(referrals.token("gp", user="sds-gp-1"))
    await client.resource("ServiceRequest", **a_and_g(nhs, "pretty-search")).save()
    found = await client.resources("ServiceRequest").search(**about(nhs), _pretty="true").fetch()
    assert len(found) == 1


async def test_a_create_accepts_pretty(referrals: Live) -> None:
    nhs = await referrals.patient()
    client = referrals.fhirpy(referrals.token("gp", user="sds-gp-1"))
    created = await client.resource("ServiceRequest", **a_and_g(nhs, "pretty")).create(
        _pretty="true"
    )
    assert created["meta"]["versionId"] == "1"
