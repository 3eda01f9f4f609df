"""What every response carries and how hard one client may push: headers and rate limits.

Security headers go on every response (a resource read is patient data: never cached,
never sniffed, never framed). Rate limits are token buckets kept per API process: one
per client (by the bearer token it presents) and a stricter one for failed sign-ins
per address, so a flood of bad tokens is answered 429 with `Retry-After` before any
token is even parsed. Buckets are in memory: with N processes a client gets N times
the budget, which is fine for a guard against floods and keeps the hot path free of
a shared store.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["SECURITY_HEADERS", "RateLimiter", "TokenBucket", "security_headers"]

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
_API_ONLY: tuple[tuple[bytes, bytes], ...] = (
    (b"cache-control", b"no-store"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
)
_FOR_API = SECURITY_HEADERS + _API_ONLY
_NAMES = frozenset(name for name, _ in _FOR_API)


def security_headers(
    path: str, present: Sequence[tuple[bytes, bytes]]
) -> tuple[tuple[bytes, bytes], ...]:
    """The headers to add to a response on `path` that has `present` already: the
    common ones always, and for the FHIR API no caching and nothing to render."""
    wanted = _FOR_API if path.startswith("/fhir") else SECURITY_HEADERS
    names = [name.lower() for name, _ in present]
    if _NAMES.isdisjoint(names):
        return wanted  # the usual case: the response set none of them itself
    return tuple((name, value) for name, value in wanted if name not in names)


@dataclass(slots=True)
class TokenBucket:
    rate: float
    """Tokens added per second."""
    burst: float
    tokens: float
    updated: float

    def take(self, now: float) -> float:
        """Take one token: 0 if allowed, else seconds until one is available."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate

    def peek(self, now: float) -> float:
        """Seconds until a token is available, without taking one."""
        tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate


class RateLimiter:
    """Buckets by key (a client or an address), the least recently used forgotten first."""

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        capacity: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._capacity = capacity
        self._clock = clock
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def _bucket(self, key: str) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = TokenBucket(self.rate, self.burst, self.burst, self._clock())
            self._buckets[key] = bucket
            if len(self._buckets) > self._capacity:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket

    def take(self, key: str) -> float:
        return self._bucket(key).take(self._clock())

    def blocked_for(self, key: str) -> float:
        bucket = self._buckets.get(key)
        return 0.0 if bucket is None else bucket.peek(self._clock())


def client_key(authorization: bytes) -> str:
    """A client's bucket key: a digest of the credentials it presents (never stored)."""
    return hashlib.blake2b(authorization, digest_size=12).hexdigest()
