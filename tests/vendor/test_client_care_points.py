"""Where fhirpy and fhirclient need care on these servers, whichever service they talk to.

Each test is one line of the READMEs' "For vendors": fhirpy's `count()` sends an
Aidbox parameter a strict server refuses (`_summary=count` is the standard way),
fhirpy's `patch()` sends a merge of fields where FHIR wants JSON Patch (`execute` with
the operations is), an XML request is refused (JSON only, 406), and fhirclient's
`get_capability()` finds the OAuth endpoints in every service's CapabilityStatement.
The absolute `next` links name the service's public base URL: fhirpy reaching it by
another address follows them only with `url_aliases`.
"""

from __future__ import annotations

from typing import Any

import pytest
from fhirclient.auth import FHIROAuth2Auth  # type: ignore[import-untyped]
from fhirpy import AsyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome

from tests.vendor.live import Live, blocking, refused_issue
from tests.vendor.test_referrals_vendor import a_and_g, about


@pytest.fixture
async def referrals(services: Any) -> Live:
    live: Live = await services.get("referrals")
    return live


async def test_fhirpy_count_is_refused_and_summary_count_answers(referrals: Live) -> None:
    nhs = await referrals.patient()
    client = referrals.fhirpy(referrals.token("gp", user="sds-gp-1"))
    for n in range(3):
        await client.resource("ServiceRequest", **a_and_g(nhs, f"count-{n}")).save()
    searched = client.resources("ServiceRequest").search(**about(nhs))

    with pytest.raises(OperationOutcome) as refused:
        await searched.count()  # sends _totalMethod=count, which FHIR does not define
    counted = await searched.search(_summary="count").fetch_raw()

    assert refused_issue(refused.value)[1]["expression"] == ["_totalMethod"]
    assert counted["total"] == 3
    assert "entry" not in counted


async def test_fhirpy_patch_is_not_json_patch_and_execute_is(referrals: Live) -> None:
    nhs = await referrals.patient()
    client = referrals.fhirpy(referrals.token("gp", user="sds-gp-1"))
    request = await client.resource("ServiceRequest", **a_and_g(nhs, "patch")).save()

    with pytest.raises(OperationOutcome) as refused:
        await request.patch(status="on-hold")
    operations = [{"op": "replace", "path": "/status", "value": "on-hold"}]
    path = f"ServiceRequest/{request.id}"
    patched = await client.execute(path, method="patch", data=operations)  # type: ignore[arg-type]

    assert refused_issue(refused.value)[1]["code"] == "structure"
    assert (patched["status"], patched["meta"]["versionId"]) == ("on-hold", "2")


async def test_an_xml_request_is_refused_with_406(referrals: Live) -> None:
    client = referrals.fhirpy(referrals.token("gp", user="sds-gp-1"))
    with pytest.raises(OperationOutcome) as refused:
        await client.resources("ServiceRequest").search(_format="xml").fetch()
    assert refused_issue(refused.value)[1]["code"] == "not-supported"


@pytest.mark.parametrize("service", ["referrals", "care_plans", "mdt", "portal"])
async def test_fhirclient_discovers_the_oauth_endpoints(services: Any, service: str) -> None:
    live: Live = await services.get(service)
    server = live.fhirclient(live.token("gp", user="sds-gp-1"))

    await blocking(server.get_capability)

    assert isinstance(server.auth, FHIROAuth2Auth)
    assert server.auth._authorize_uri.endswith("/authorize")
    assert server.auth._token_uri.endswith("/token")


async def test_fhirpy_pages_by_another_address_only_with_url_aliases(referrals: Live) -> None:
    nhs = await referrals.patient()
    gp = referrals.token("gp", user="sds-gp-1")
    for n in range(3):
        await referrals.fhirpy(gp).resource("ServiceRequest", **a_and_g(nhs, f"al-{n}")).save()
    elsewhere = referrals.base.replace("127.0.0.1", "localhost")

    plain = AsyncFHIRClient(elsewhere, authorization=f"Bearer {gp}")
    with pytest.raises(ValueError, match="does not contain base url"):
        await plain.resources("ServiceRequest").search(**about(nhs)).limit(2).fetch_all()
    aliased = AsyncFHIRClient(elsewhere, authorization=f"Bearer {gp}", url_aliases=[referrals.base])
    every = await aliased.resources("ServiceRequest").search(**about(nhs)).limit(2).fetch_all()

    assert len(every) == 3
