"""Keyset paging over HTTP: every result exactly once, even while resources are added.

A triage list is walked page by page while GPs keep submitting requests. The walk
must show each request that existed when it started exactly once, never repeat one,
and keep the requested order; page size is capped and `_summary=count` counts only.
"""

from __future__ import annotations

import asyncio
import functools
import operator
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from services.referrals.tests.bodies import (
    service_request,
)
from services.referrals.tests.conftest import (
    Referrals,
    new_nhs_number,
)

ORIGINALS = 45
ADDED_DURING_WALK = 15
PAGE = 10


@dataclass(frozen=True, slots=True)
class Listing:
    system: str
    original_ids: frozenset[str]


def _authored(n: int) -> str:
    # 28 distinct days for 45+ requests: ties on the sort key must not break paging.
    return f"2024-01-{n % 28 + 1:02d}T10:{n % 60:02d}:00Z"


async def _submit(referrals: Referrals, system: str, n: int) -> str:
    created = await referrals.create(
        service_request(
            new_nhs_number(),
            authored=_authored(n),
            identifier_system=system,
            identifier_value=str(n),
        )
    )
    return str(created["id"])


@pytest.fixture(scope="module")
async def listing(referrals: Referrals) -> Listing:
    system = f"urn:test:paging:{uuid.uuid4().hex}"
    ids: list[str] = []
    for start in range(0, ORIGINALS, 15):
        batch = range(start, min(start + 15, ORIGINALS))
        ids.extend(await asyncio.gather(*(_submit(referrals, system, n) for n in batch)))
    return Listing(system, frozenset(ids))


async def _walk_while_adding(
    referrals: Referrals, listing: Listing, **params: str
) -> tuple[list[dict[str, Any]], set[str]]:
    """Walk every page (following `next` as returned) while requests keep arriving.

    A background task submits requests throughout, and between every two pages two
    more are submitted whose dates sort first and last, so that rows appear on both
    sides of the cursor (offset paging would then repeat or skip results)."""
    added: set[str] = set()

    async def keep_adding() -> None:
        for n in range(ADDED_DURING_WALK):
            added.add(await _submit(referrals, listing.system, 1000 + n))

    async def add_at_both_ends(page: int) -> None:
        for year in ("2023", "2025"):
            created = await referrals.create(
                service_request(
                    new_nhs_number(),
                    authored=f"{year}-06-{page % 28 + 1:02d}T08:00:00Z",
                    identifier_system=listing.system,
                )
            )
            added.add(created["id"])

    query = {"identifier": f"{listing.system}|", "_count": str(PAGE), **params}
    adding = asyncio.create_task(keep_adding())
    pages: list[list[dict[str, Any]]] = []
    try:
        response = await referrals.client.get(
            "/fhir/ServiceRequest", params=query, headers=referrals.auth()
        )
        while True:
            assert response.status_code == 200, response.text
            bundle = response.json()
            pages.append([e["resource"] for e in bundle.get("entry", [])])
            following = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
            if not following:
                break
            await add_at_both_ends(len(pages))
            response = await referrals.client.get(following[0], headers=referrals.auth())
    finally:
        await adding
    assert all(len(page) <= PAGE for page in pages)
    assert len(pages) > ORIGINALS // PAGE
    return [resource for page in pages for resource in page], added


def _assert_each_original_once_and_no_repeats(seen: list[dict[str, Any]], listing: Listing) -> None:
    ids = [resource["id"] for resource in seen]
    assert len(ids) == len(set(ids)), "a resource was returned twice"
    assert listing.original_ids <= set(ids), "a resource that existed was skipped"


async def test_walking_pages_returns_every_original_once_while_requests_arrive(
    referrals: Referrals, listing: Listing
) -> None:
    seen, added = await _walk_while_adding(referrals, listing)

    _assert_each_original_once_and_no_repeats(seen, listing)
    assert added & {resource["id"] for resource in seen}, "the walk did not see live data"


@pytest.mark.parametrize(
    ("sort", "stamp", "meets_added"),
    [
        pytest.param("-authored", ("authoredOn",), False, id="authored-descending"),
        pytest.param("authored", ("authoredOn",), False, id="authored-ascending"),
        # later changes sort last, so an ascending walk by _lastUpdated meets them
        pytest.param("_lastUpdated", ("meta", "lastUpdated"), True, id="updated-ascending"),
        pytest.param("-_lastUpdated", ("meta", "lastUpdated"), False, id="updated-descending"),
    ],
)
async def test_paging_by_a_date_keeps_order_and_repeats_nothing(
    referrals: Referrals, listing: Listing, sort: str, stamp: tuple[str, ...], meets_added: bool
) -> None:
    seen, added = await _walk_while_adding(referrals, listing, _sort=sort)

    _assert_each_original_once_and_no_repeats(seen, listing)
    if meets_added:
        assert added & {resource["id"] for resource in seen}
    dates = [functools.reduce(operator.getitem, stamp, resource) for resource in seen]
    assert dates == sorted(dates, reverse=sort.startswith("-"))


async def test_a_page_size_above_one_hundred_is_capped_at_one_hundred(
    referrals: Referrals,
) -> None:
    prefix = f"capped-{uuid.uuid4().hex[:8]}"
    for start in range(0, 105, 35):
        await asyncio.gather(
            *(
                referrals.create({"resourceType": "Organization", "name": f"{prefix} {n}"})
                for n in range(start, start + 35)
            )
        )

    response = await referrals.client.get(
        "/fhir/Organization",
        params={"name": prefix, "_count": "500", "_total": "accurate"},
        headers=referrals.auth(),
    )

    bundle = response.json()
    assert bundle["total"] == 105
    assert len(bundle["entry"]) == 100
    assert any(link["relation"] == "next" for link in bundle["link"])


async def test_summary_count_returns_the_total_and_no_entries(
    referrals: Referrals, listing: Listing
) -> None:
    stored = await referrals.scalar(
        "select count(*) from search_index where system = :system", system=listing.system
    )

    response = await referrals.client.get(
        "/fhir/ServiceRequest",
        params={"identifier": f"{listing.system}|", "_summary": "count"},
        headers=referrals.auth(),
    )

    assert response.status_code == 200
    bundle = response.json()
    assert bundle["total"] == stored >= ORIGINALS
    assert "entry" not in bundle
    assert [link["relation"] for link in bundle["link"]] == ["self"]
