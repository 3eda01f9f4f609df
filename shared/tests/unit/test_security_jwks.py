"""The issuer's key set is fetched once and refetched on an unknown kid at most once a minute."""

from __future__ import annotations

import httpx
import pytest
from joserfc.jwk import OctKey, RSAKey

from carecoord_shared.security.jwks import JwksCache, JwksUnavailable


class FakeIssuer:
    """An identity provider's JWKS endpoint whose published keys the test can rotate."""

    def __init__(self) -> None:
        self.keys = [RSAKey.generate_key(2048, auto_kid=True)]
        self.requests = 0
        self.status = 200

    def handle(self, _request: httpx.Request) -> httpx.Response:
        self.requests += 1
        document = {"keys": [key.as_dict(private=False) for key in self.keys]}
        return httpx.Response(self.status, json=document)


@pytest.fixture
def idp() -> FakeIssuer:
    return FakeIssuer()


def _cache(idp: FakeIssuer, now: list[float]) -> JwksCache:
    return JwksCache(
        "https://idp.example/jwks",
        transport=httpx.MockTransport(idp.handle),
        clock=lambda: now[0],
    )


async def test_keys_are_fetched_once_for_known_kids(idp: FakeIssuer) -> None:
    cache = _cache(idp, [0.0])
    kid = idp.keys[0].kid
    assert kid is not None

    for _ in range(5):
        assert await cache.key(kid) is not None
    assert idp.requests == 1


async def test_unknown_kid_refetches_at_most_once_a_minute(idp: FakeIssuer) -> None:
    now = [0.0]
    cache = _cache(idp, now)
    await cache.key(idp.keys[0].kid or "")

    now[0] = 61.0
    assert await cache.key("made-up-1") is None
    assert await cache.key("made-up-2") is None
    assert idp.requests == 2

    now[0] = 100.0
    assert await cache.key("made-up-3") is None
    assert idp.requests == 2


async def test_rotated_key_is_picked_up_after_the_interval(idp: FakeIssuer) -> None:
    now = [0.0]
    cache = _cache(idp, now)
    await cache.key(idp.keys[0].kid or "")
    new_key = RSAKey.generate_key(2048, auto_kid=True)
    idp.keys.append(new_key)

    now[0] = 30.0
    assert await cache.key(new_key.kid or "") is None
    now[0] = 61.0
    assert await cache.key(new_key.kid or "") is not None


async def test_failed_first_fetch_is_retried_after_a_few_seconds(idp: FakeIssuer) -> None:
    now = [0.0]
    cache = _cache(idp, now)
    idp.status = 500
    with pytest.raises(JwksUnavailable):
        await cache.key("any")
    with pytest.raises(JwksUnavailable):
        await cache.key("any")
    assert idp.requests == 1

    idp.status = 200
    now[0] = 6.0
    assert await cache.key(idp.keys[0].kid or "") is not None


async def test_failed_refetch_keeps_the_keys_already_held(idp: FakeIssuer) -> None:
    now = [0.0]
    cache = _cache(idp, now)
    kid = idp.keys[0].kid or ""
    await cache.key(kid)
    idp.status = 500
    now[0] = 61.0
    assert await cache.key("unknown") is None
    assert await cache.key(kid) is not None


async def test_symmetric_keys_in_a_jwks_are_ignored(idp: FakeIssuer) -> None:
    secret = OctKey.generate_key(256, auto_kid=True)
    idp.keys = [secret]  # type: ignore[list-item]
    with pytest.raises(JwksUnavailable):
        await _cache(idp, [0.0]).key(secret.kid or "")


def test_jwks_url_must_be_file_or_http() -> None:
    with pytest.raises(ValueError, match="JWKS URL"):
        JwksCache("ftp://idp.example/jwks")
