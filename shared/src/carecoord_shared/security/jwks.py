"""The token issuer's public signing keys, fetched once and refreshed only when needed.

Verifying a token needs the issuer's key for the token's `kid`. Fetching the JWKS on
every request would put the identity provider on our hot path, while never refetching
would break the day the issuer rotates its keys. So the key set is fetched on first use,
kept, and fetched again only when a token names a `kid` we do not hold, at most once per
60 seconds (a flood of tokens with made-up `kid`s must not become a flood of requests to
the issuer). A failed first fetch is retried after a few seconds. Sources: `file:///...`
for the local development issuer, `https://...` (or `http://` on a developer machine,
which settings refuse in production) fetched with httpx. Only RSA and EC signing keys
with a `kid` are kept: a symmetric key in a JWKS would invite algorithm confusion.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx
from joserfc.jwk import ECKey, KeySet, RSAKey

from carecoord_shared.logging import get_logger

__all__ = ["JwksCache", "JwksUnavailable", "VerificationKey"]

VerificationKey = RSAKey | ECKey

_MAX_JWKS_BYTES = 256 * 1024
_log = get_logger(__name__)


class JwksUnavailable(Exception):
    """No key set could be loaded from the issuer (yet)."""


class JwksCache:
    """Signing keys of one issuer by `kid`, with a rate-limited refetch on an unknown kid."""

    def __init__(
        self,
        url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        refetch_interval_s: float = 60.0,
        retry_after_failure_s: float = 5.0,
        timeout_s: float = 5.0,
    ) -> None:
        scheme = urlsplit(url).scheme
        if scheme not in ("file", "https", "http"):
            raise ValueError("the JWKS URL must be file://, https:// or http://")
        self._url = url
        self._transport = transport
        self._clock = clock
        self._refetch_interval_s = refetch_interval_s
        self._retry_after_failure_s = retry_after_failure_s
        self._timeout_s = timeout_s
        self._keys: dict[str, VerificationKey] | None = None
        self._attempted_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> VerificationKey | None:
        """The key named `kid`, or None when the issuer does not publish it.

        Raises JwksUnavailable when no key set has ever been loaded."""
        if self._keys is not None and kid in self._keys:
            return self._keys[kid]
        # With no keys yet, every request waits for the fetch in flight instead of
        # finding the attempt marked and giving up (concurrent first requests).
        if self._keys is None or self._due():
            async with self._lock:
                # Another request may have refreshed while this one waited.
                if self._keys is not None and kid in self._keys:
                    return self._keys[kid]
                if self._due():
                    await self._refresh()
        if self._keys is None:
            raise JwksUnavailable
        return self._keys.get(kid)

    def _due(self) -> bool:
        if self._attempted_at is None:
            return True
        wait = self._refetch_interval_s if self._keys is not None else self._retry_after_failure_s
        return self._clock() - self._attempted_at >= wait

    async def _refresh(self) -> None:
        self._attempted_at = self._clock()
        try:
            self._keys = _signing_keys(await self._load())
        except Exception as error:  # any failure keeps the old keys; the reason goes to the log
            _log.warning(
                "security.jwks.fetch_failed",
                source=urlsplit(self._url).hostname or "file",
                error=type(error).__name__,
                keeping_previous_keys=self._keys is not None,
            )
            return
        _log.info("security.jwks.loaded", keys=len(self._keys))

    async def _load(self) -> bytes:
        parts = urlsplit(self._url)
        if parts.scheme == "file":
            path = Path(url2pathname(parts.path))
            data = await asyncio.to_thread(path.read_bytes)
        else:
            async with httpx.AsyncClient(
                transport=self._transport, timeout=self._timeout_s, follow_redirects=False
            ) as client:
                response = await client.get(self._url, headers={"Accept": "application/json"})
                response.raise_for_status()
                data = response.content
        if len(data) > _MAX_JWKS_BYTES:
            raise ValueError("the JWKS document is too large")
        return data


def _signing_keys(document: bytes) -> dict[str, VerificationKey]:
    key_set = KeySet.import_key_set(json.loads(document))
    keys: dict[str, VerificationKey] = {}
    for key in key_set:
        if not isinstance(key, RSAKey | ECKey) or key.get("use") not in (None, "sig"):
            continue
        kid = key.get("kid")
        if isinstance(kid, str) and kid:
            keys[kid] = key
    if not keys:
        raise ValueError("the JWKS holds no RSA or EC signing key with a kid")
    return keys
