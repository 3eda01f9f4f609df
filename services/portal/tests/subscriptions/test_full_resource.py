"""`full-resource` payloads: the focus read from its owning service's FHIR API at send time.

A loopback server stands in for referrals' FHIR API (the portal reaches the owning
service over HTTP only, with its own system token; services never import each other).
A partner with the SMART system scope to read the focus type gets the resource in the
notification's entry, under its fullUrl; one without it is refused at create and only
ever gets the focus by reference; a resource the service no longer gives (410) goes
without its body, as `id-only` would send it, and the notification still arrives.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from services.portal.tests.subscriptions import conftest as given
from services.portal.tests.subscriptions.receiver import Answer, Receiver
from services.portal.tests.subscriptions.test_delivery import active

READ_TOKEN = "portal-system-token-for-focus-reads"
READER = "system/Subscription.cruds system/ServiceRequest.r"
WHOLE = "*"


def referrals_api(headers: dict[str, str], _body: bytes) -> Answer:
    """ServiceRequest reads to the portal's own token; `gone-*` ids are 410."""
    if headers.get("authorization") != f"Bearer {READ_TOKEN}":
        return Answer(401)
    request_id = headers[":path"].rsplit("/", 1)[1]
    if request_id.startswith("gone"):
        return Answer(410, body=b'{"resourceType":"OperationOutcome","issue":[]}')
    found = {"resourceType": "ServiceRequest", "id": request_id, "status": "active"}
    return Answer(200, (("content-type", "application/fhir+json"),), body=orjson.dumps(found))


@pytest.fixture
async def referrals() -> AsyncIterator[Receiver]:
    server = Receiver(script=referrals_api)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def live_extra(referrals: Receiver) -> dict[str, Any]:
    base = f"http://127.0.0.1:{referrals.port}/fhir"
    return {"referrals_fhir_base": base, "subscription_read_token": READ_TOKEN}


async def test_a_partner_that_may_read_the_focus_gets_it_and_one_that_may_not_never_does(
    live: given.Portal, receiver: Receiver, referrals: Receiver
) -> None:
    full = given.subscription(receiver.url, given.new_secret(), payload="full-resource")
    refused = await live.subscribe(full, name="no-read", agreement=WHOLE)
    assert refused.status_code == 422, refused.text
    assert refused.json()["issue"][0]["expression"] == ["Subscription.channel.payload"]
    thin = await live.subscribe(
        given.subscription(receiver.url, given.new_secret()), name="no-read", agreement=WHOLE
    )
    reader = await live.subscribe(full, name="reader", agreement=WHOLE, scopes=READER)
    assert thin.status_code == reader.status_code == 201, reader.text
    await active(live, thin.json()["id"], name="no-read", agreement=WHOLE)
    await active(live, reader.json()["id"], name="reader", agreement=WHOLE, scopes=READER)
    nhs = given.new_nhs_number()
    await live.publish(
        live.settings.referrals_topic, given.triaged(nhs, "sr-1"), given.triaged(nhs, "gone-2")
    )
    await given.eventually(
        lambda: asyncio.sleep(0, len(receiver.of_kind("event-notification")) >= 4)
    )
    url = f"{live.settings.referrals_fhir_base}/ServiceRequest"
    by_subscription: dict[str, list[dict[str, Any]]] = {}
    for request in receiver.of_kind("event-notification"):
        by_subscription.setdefault(request.headers["webhook-id"].split("_")[1], []).extend(
            request.json["entry"][1:]
        )
    got = by_subscription[reader.json()["id"]]
    assert [e["fullUrl"] for e in got] == [f"{url}/sr-1", f"{url}/gone-2"]
    assert got[0]["resource"] == {
        "resourceType": "ServiceRequest",
        "id": "sr-1",
        "status": "active",
    }
    assert "resource" not in got[1]  # gone at its service: the reference only
    assert got[1]["request"] == {"method": "PUT", "url": f"{url}/gone-2"}
    assert all("resource" not in e for e in by_subscription[thin.json()["id"]])
    assert len(referrals.received) == 2  # read for the reader only, once per focus
