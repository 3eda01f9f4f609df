"""The directory answers the staff pages keep a short while (`bff.cache`): kept per
caller, so one person never gets another's answer, and never kept when refused or down.

The other service is an in-process HTTP app here (httpx's MockTransport) that answers
each bearer token with its own body and counts what it was asked."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from portal.service.bff import FhirClient, ServiceDown
from portal.service.bff.cache import get_kept

QUERY = [("active", "true")]


class Directory:
    """A directory that answers each token with that token in the body."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.asked: Counter[str] = Counter()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        self.asked[token] += 1
        if self.status >= 500:
            return httpx.Response(self.status)
        return httpx.Response(self.status, json={"resourceType": "Bundle", "id": token})

    def client(self, token: str, base: str = "http://directory.test") -> FhirClient:
        return FhirClient("The directory", base, token, transport=httpx.MockTransport(self))


async def test_an_answer_is_kept_for_its_caller_only() -> None:
    directory = Directory()
    first, second = directory.client("token-a"), directory.client("token-b")

    answers = [await get_kept(c, "HealthcareService", QUERY) for c in (first, first, second)]

    assert [a.body["id"] for a in answers] == ["token-a", "token-a", "token-b"]
    assert directory.asked == {"token-a": 1, "token-b": 1}, "each caller asked once"


async def test_a_kept_answer_is_asked_again_once_it_is_older_than_asked_for() -> None:
    directory = Directory()
    caller = directory.client("token-c")

    await get_kept(caller, "HealthcareService", QUERY)
    await get_kept(caller, "HealthcareService", QUERY, ttl_s=0)

    assert directory.asked["token-c"] == 2


@pytest.mark.parametrize("status", [403, 503])
async def test_a_refusal_or_a_service_down_is_never_kept(status: int) -> None:
    directory = Directory(status)
    caller = directory.client(f"token-{status}")

    for _ in range(2):
        try:
            answer = await get_kept(caller, "HealthcareService", QUERY)
            assert answer.status == status
        except ServiceDown:
            assert status == 503

    assert directory.asked[f"token-{status}"] == 2
