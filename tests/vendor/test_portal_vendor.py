"""The portal's partner Subscription API as a partner's integration drives it with fhirpy
and fhirclient over real HTTP.

A partner system (a system client with a data-sharing agreement) subscribes, reads
its Subscription back (the webhook secret is never echoed), changes it with
`If-Match`, and pages through its own subscriptions (never another partner's); a
conditional create is refused (not offered for Subscription, as `/fhir/metadata`
says) and so is an unsupported search parameter. Deliveries themselves are the
worker's and are tested in `services/portal/tests/subscriptions/`.
"""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
import requests
from fhirclient.models.subscription import Subscription  # type: ignore[import-untyped]
from fhirpy.base.exceptions import OperationOutcome

from tests.access.bodies import P1
from tests.vendor.live import Live, blocking, refused_issue

BACKPORT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition"
ROOT = "https://fhir.carecoord.example"
SCOPES = "system/Subscription.cruds system/Task.rs system/Basic.rs"


def a_subscription(endpoint: str) -> dict[str, Any]:
    secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    return {
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "Keep our records current",
        "criteria": f"{ROOT}/SubscriptionTopic/ag-request-triaged",
        "channel": {
            "type": "rest-hook",
            "endpoint": endpoint,
            "payload": "application/fhir+json",
            "extension": [
                {"url": f"{ROOT}/StructureDefinition/webhook-secret", "valueString": secret}
            ],
        },
    }


@pytest.fixture
async def portal(services: Any) -> Live:
    live: Live = await services.get("portal")
    return live


def partner(live: Live, name: str) -> str:
    return live.token("system", organisation=None, user=name, scopes=SCOPES, agreement=P1)


async def test_fhirpy_partner_subscribes_reads_back_and_changes_with_if_match(
    portal: Live,
) -> None:
    client = portal.fhirpy(partner(portal, "partner-fp"))
    created = await client.resource("Subscription", **a_subscription("https://fp.example/h")).save()
    read = await client.reference("Subscription", created.id).to_resource()

    at_v1 = portal.fhirpy(partner(portal, "partner-fp"), **{"If-Match": 'W/"1"'})
    changed = a_subscription("https://fp.example/h2") | {"id": created.id}
    await at_v1.resource("Subscription", **changed).save()
    mine = await client.resources("Subscription").search(url="https://fp.example/h2").fetch_all()
    theirs = portal.fhirpy(partner(portal, "partner-other")).resources("Subscription")

    assert "webhook-secret" not in str(read["channel"])
    assert [(s.id, s["meta"]["versionId"]) for s in mine] == [(created.id, "2")]
    assert created.id not in {s.id for s in await theirs.fetch_all()}


async def test_fhirpy_conditional_create_and_unknown_parameters_are_refused(portal: Live) -> None:
    token = partner(portal, "partner-fp-refused")
    once = portal.fhirpy(token, **{"If-None-Exist": "url=https://fp.example/once"})

    with pytest.raises(OperationOutcome) as conditional:
        await once.resource("Subscription", **a_subscription("https://fp.example/once")).save()
    with pytest.raises(OperationOutcome) as unknown:
        await portal.fhirpy(token).resources("Subscription").search(criteria="x").fetch()

    assert refused_issue(conditional.value)[1]["expression"] == ["If-None-Exist"]
    assert refused_issue(unknown.value)[1]["expression"] == ["criteria"]


async def test_fhirclient_partner_subscribes_and_pages_its_subscriptions(portal: Live) -> None:
    server = portal.fhirclient(partner(portal, "partner-fc"))
    made = [
        await blocking(Subscription(a_subscription(f"https://fc.example/{n}")).create, server)
        for n in range(3)
    ]
    search = Subscription.where({"status": "requested", "_count": "2"})
    bundles = await blocking(lambda: list(search.perform_iter(server)))
    unknown = Subscription.where({"endpoint": "https://fc.example/0"})
    with pytest.raises(requests.HTTPError) as refused:
        await blocking(lambda: list(unknown.perform_resources_iter(server)))

    assert [len(b.entry) for b in bundles] == [2, 1]
    assert {e.resource.id for b in bundles for e in b.entry} == {m["id"] for m in made}
    assert refused_issue(refused.value)[0] == 400
