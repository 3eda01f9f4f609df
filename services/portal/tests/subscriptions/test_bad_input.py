"""Bad input and the wrong caller: every refusal a clear OperationOutcome, never a 500.

The portal runs as outside development here (`test`), so loopback and private
endpoints are refused as they would be in production.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from carecoord_devstack.testing import create_fresh_database
from carecoord_shared.security.dev_issuer import DevIssuer
from portal.domain.webhooks import endpoint_problem
from portal.main import create_app
from services.portal.tests.subscriptions.conftest import (
    BACKPORT,
    BASE_URL,
    FakeClock,
    Portal,
    new_secret,
    portal_settings,
    subscription,
)

HOOK = "https://partner.example/hook"


@pytest.fixture(scope="module")
async def api(issuer: DevIssuer, kafka_bootstrap: str) -> AsyncIterator[Portal]:
    settings = portal_settings(
        issuer, await create_fresh_database("portal"), kafka_bootstrap, environment="test"
    )
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client,
    ):
        yield Portal(client, issuer, settings, FakeClock())


def issue(response: httpx.Response) -> tuple[str, list[str]]:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome", body
    first = body["issue"][0]
    return str(first["code"]), list(first.get("expression", []))


@pytest.mark.parametrize(
    ("change", "status", "code", "where"),
    [
        (
            {"criteria": "https://fhir.carecoord.example/SubscriptionTopic/nope"},
            400,
            "not-supported",
            "Subscription.criteria",
        ),
        ({"filters": ("ServiceRequest?colour=red",)}, 400, "not-supported", "backport-filter"),
        ({"filters": ("patient=123",)}, 400, "invalid", "backport-filter"),
        ({"endpoint": "http://127.0.0.1:9/hook"}, 400, "invalid", "Subscription.channel.endpoint"),
        ({"endpoint": "http://partner.example/hook"}, 400, "invalid", "channel.endpoint"),
        ({"endpoint": "https://10.1.2.3/hook"}, 400, "invalid", "Subscription.channel.endpoint"),
        ({"endpoint": "https://169.254.169.254/latest"}, 400, "invalid", "channel.endpoint"),
        ({"endpoint": "https://localhost/hook"}, 400, "invalid", "Subscription.channel.endpoint"),
        ({"payload": "full-resource"}, 422, "business-rule", "Subscription.channel.payload"),
        ({"payload": "everything"}, 400, "invalid", "Subscription.channel.payload"),
        ({"secret": None}, 400, "required", "Subscription.channel.extension"),
        ({"secret": "whsec_c2hvcnQ="}, 400, "invalid", "Subscription.channel.extension"),
        ({"secret": "not-a-secret"}, 400, "invalid", "Subscription.channel.extension"),
        ({"timeout": 300}, 400, "invalid", "backport-timeout"),
    ],
)
async def test_bad_subscription_is_refused_with_the_element_named(
    api: Portal, change: dict[str, Any], status: int, code: str, where: str
) -> None:
    body = subscription(
        change.get("endpoint", HOOK),
        change.get("secret", new_secret()) if "secret" in change else new_secret(),
        filters=change.get("filters", ()),
        payload=change.get("payload", "id-only"),
        timeout_s=change.get("timeout", 15),
    )
    if "criteria" in change:
        body["criteria"] = change["criteria"]
    response = await api.subscribe(body, scopes="system/Subscription.cruds")
    assert response.status_code == status, response.text
    found_code, expressions = issue(response)
    assert found_code == code
    assert any(where in e for e in expressions), expressions


def test_plain_http_is_refused_in_production_and_private_addresses_outside_development() -> None:
    assert endpoint_problem("http://partner.example/hook", "production")
    assert endpoint_problem("https://partner.example/hook", "production") is None
    assert endpoint_problem("https://192.168.0.4/hook", "production")
    assert endpoint_problem("https://[::1]/hook", "test")
    assert endpoint_problem("http://127.0.0.1:9/hook", "development") is None


async def test_only_partner_systems_with_an_agreement_may_subscribe(api: Portal) -> None:
    body = subscription(HOOK, new_secret())
    no_agreement = await api.subscribe(body, name="no-agreement", agreement="")
    assert no_agreement.status_code == 403, no_agreement.text
    staff = await api.subscribe(body, name="a-gp", role="gp")
    assert staff.status_code == 403, staff.text
    no_scope = await api.subscribe(body, name="reader", scopes="system/Subscription.rs")
    assert no_scope.status_code == 403, no_scope.text


async def test_a_partner_manages_only_its_own_subscriptions_and_never_sees_the_secret(
    api: Portal,
) -> None:
    secret = new_secret()
    created = await api.subscribe(subscription(HOOK, secret))
    assert created.status_code == 201, created.text
    subscription_id = created.json()["id"]
    read = await api.get(f"Subscription/{subscription_id}")
    assert read.status_code == 200
    assert secret not in read.text
    assert "whsec_" not in read.text
    assert read.json()["status"] == "requested"
    other = {"name": "partner-b", "agreement": "B82002"}
    for path in ("$status", "$events", "$deliveries"):
        response = await api.get(f"Subscription/{subscription_id}/{path}", **other)
        assert response.status_code == 404, (path, response.text)
        mine = await api.get(f"Subscription/{subscription_id}/{path}")
        assert mine.status_code == 200, (path, mine.text)
    resume = await api.post(
        f"Subscription/{subscription_id}/$resume", {"resourceType": "Parameters"}, **other
    )
    assert resume.status_code == 404, resume.text
    changed = subscription(HOOK, None)
    changed["id"] = subscription_id
    put = await api.client.put(
        f"/fhir/Subscription/{subscription_id}", json=changed, headers=api.partner(**other)
    )
    assert put.status_code == 404, put.text
    deleted = await api.client.delete(
        f"/fhir/Subscription/{subscription_id}", headers=api.partner(**other)
    )
    assert deleted.status_code == 404, deleted.text
    mine_put = await api.client.put(
        f"/fhir/Subscription/{subscription_id}", json=changed, headers=api.partner()
    )
    assert mine_put.status_code == 200, mine_put.text
    mine_delete = await api.client.delete(
        f"/fhir/Subscription/{subscription_id}", headers=api.partner()
    )
    assert mine_delete.status_code == 204, mine_delete.text


async def test_events_numbers_must_be_whole_numbers(api: Portal) -> None:
    created = await api.subscribe(subscription(HOOK, new_secret()))
    subscription_id = created.json()["id"]
    response = await api.get(f"Subscription/{subscription_id}/$events?eventsSinceNumber=abc")
    assert response.status_code == 400, response.text
    assert issue(response)[0] == "invalid"


async def test_topic_catalogue_and_capability_statement(api: Portal) -> None:
    metadata = await api.client.get("/fhir/metadata")
    types = {r["type"]: r for r in metadata.json()["rest"][0]["resource"]}
    assert "Basic" in types
    assert "Subscription" in types
    operations = {o["name"] for o in types["Subscription"]["operation"]}
    assert {"status", "events", "deliveries", "resume"} <= operations
    assert "ag-request-triaged" in types["Subscription"]["documentation"]
    assert BACKPORT  # the IG the shapes follow
