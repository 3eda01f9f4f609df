"""`_summary` and `_elements` (issue 14, item 1) on a real portal search and read (a partner's
Subscriptions)."""

from __future__ import annotations

from typing import Any

from services.portal.tests.subscriptions.conftest import Portal, issuer, new_secret, subscription
from services.portal.tests.subscriptions.test_bad_input import api

__all__ = ["api", "issuer"]  # the subscriptions tests' fixtures: the API on a fresh database

MANDATORY = {"resourceType", "id", "meta", "status", "reason", "criteria", "channel"}


def _tagged(resource: dict[str, Any]) -> bool:
    return any(t.get("code") == "SUBSETTED" for t in resource["meta"].get("tag", []))


async def _subscribed(api: Portal) -> str:
    made = await api.subscribe(subscription("https://partner.example/hook", new_secret()))
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def _found(api: Portal, query: str) -> dict[str, Any]:
    response = await api.get(query)
    assert response.status_code == 200, response.text
    [entry] = [e for e in response.json()["entry"] if e["search"]["mode"] == "match"]
    resource: dict[str, Any] = entry["resource"]
    return resource


async def test_a_partner_lists_its_subscriptions_in_summary_and_by_element(api: Portal) -> None:
    made = await _subscribed(api)

    summary = await _found(api, f"Subscription?_id={made}&_summary=true")
    chosen = await _found(api, f"Subscription?_id={made}&_elements=end")
    whole = await _found(api, f"Subscription?_id={made}")

    assert not _tagged(whole)
    assert "contact" in whole
    assert _tagged(summary)
    assert "text" not in summary
    assert set(summary) >= {"status", "criteria", "channel"}
    assert _tagged(chosen)
    assert set(chosen) == MANDATORY  # `end` was not given: only the mandatory elements


async def test_reading_a_subscription_in_part_and_refusals(api: Portal) -> None:
    made = await _subscribed(api)

    data = await api.get(f"Subscription/{made}?_summary=data")
    unknown = await api.get(f"Subscription/{made}?_elements=colour")
    both = await api.get("Subscription?_summary=true&_elements=status")

    assert data.status_code == 200
    assert "text" not in data.json()
    assert _tagged(data.json())
    assert unknown.status_code == 400
    assert both.status_code == 400
    assert both.json()["issue"][0]["expression"] == ["_elements"]
