"""`_summary` and `_elements` (issue 14, item 1) on a real referrals search and read."""

from __future__ import annotations

from typing import Any

from services.referrals.tests.conftest import Referrals
from services.referrals.tests.flows import submit

MANDATORY = {"resourceType", "id", "meta", "status", "intent", "subject"}


def _tagged(resource: dict[str, Any]) -> bool:
    return any(t.get("code") == "SUBSETTED" for t in resource["meta"].get("tag", []))


async def _found(referrals: Referrals, query: str) -> dict[str, Any]:
    response = await referrals.client.get(f"/fhir/{query}", headers=referrals.auth())
    assert response.status_code == 200, response.text
    [entry] = response.json()["entry"]
    resource: dict[str, Any] = entry["resource"]
    return resource


async def test_a_gp_lists_requests_in_summary_and_by_element(referrals: Referrals) -> None:
    request = await submit(referrals)
    by_id = f"ServiceRequest?_id={request['id']}"

    summary = await _found(referrals, f"{by_id}&_summary=true")
    chosen = await _found(referrals, f"{by_id}&_elements=priority")
    whole = await _found(referrals, by_id)

    assert "text" in whole
    assert not _tagged(whole)
    assert "text" not in summary
    assert set(summary) >= MANDATORY
    assert _tagged(summary)
    assert MANDATORY <= set(chosen) <= MANDATORY | {"priority"}
    assert _tagged(chosen)


async def test_reading_a_request_in_part_and_refusals(referrals: Referrals) -> None:
    request = await submit(referrals)
    path = f"/fhir/ServiceRequest/{request['id']}"
    gp = referrals.auth()

    text = await referrals.client.get(f"{path}?_summary=text", headers=gp)
    vread = await referrals.client.get(f"{path}/_history/1?_elements=priority", headers=gp)
    both = await referrals.client.get(f"{path}?_summary=true&_elements=priority", headers=gp)

    assert text.status_code == 200
    assert set(text.json()) == MANDATORY | {"text"}
    assert vread.status_code == 200
    assert _tagged(vread.json())
    assert both.status_code == 400
    assert both.json()["resourceType"] == "OperationOutcome"
