"""Standard Webhooks signing, the retry schedule, and which endpoints may be called.

Every delivery is signed as Standard Webhooks v1 says (`webhook-id`, `webhook-timestamp`,
`webhook-signature`: `v1,` + base64 HMAC-SHA256 over `id.timestamp.body` with the
endpoint's `whsec_` secret), so partners verify with the off-the-shelf
`standardwebhooks` library and replays are detectable. The retry schedule is the
Standard Webhooks example (about three days): a partner's outage of a weekend loses
nothing. Endpoint rules refuse plain http in production and, outside development,
loopback, private and link-local addresses (SSRF).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

__all__ = [
    "MAX_RETRY_AFTER",
    "RETRY_SCHEDULE",
    "SECRET_PREFIX",
    "Delay",
    "endpoint_problem",
    "next_delay",
    "retry_after",
    "secret_problem",
    "sign",
    "signature_header",
]

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix, not a secret
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64
RETRY_SCHEDULE: tuple[timedelta, ...] = tuple(
    timedelta(seconds=s) for s in (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
)
"""Attempt n (from 1) waits RETRY_SCHEDULE[n-1] after the failure before it: immediately,
5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (Standard Webhooks' example)."""
MAX_RETRY_AFTER = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Delay:
    """When to try again; None once the schedule is exhausted."""

    wait: timedelta | None


def next_delay(failed_attempts: int) -> Delay:
    """The wait after `failed_attempts` consecutive failures (None: give up)."""
    if failed_attempts >= len(RETRY_SCHEDULE):
        return Delay(None)
    return Delay(RETRY_SCHEDULE[failed_attempts])


def retry_after(header: str | None, now: datetime) -> timedelta | None:
    """A `Retry-After` (seconds or an HTTP date), capped at 24 h; None if absent or bad."""
    if not header:
        return None
    text = header.strip()
    if text.isdigit():
        wait = timedelta(seconds=int(text))
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        wait = max(timedelta(0), when - now)
    return min(wait, MAX_RETRY_AFTER)


def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)


def secret_problem(secret: str) -> str | None:
    """Why a partner's secret is unusable (None: it is fine)."""
    if not secret.startswith(SECRET_PREFIX):
        return f"The webhook secret must start with '{SECRET_PREFIX}'"
    try:
        key = secret_key(secret)
    except (binascii.Error, ValueError):
        return "The webhook secret must be base64 after its prefix"
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        return f"The webhook secret must be {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes"
    return None


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<base64>` signature of `id.timestamp.body`."""
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets: Sequence[str], webhook_id: str, timestamp: int, body: bytes) -> str:
    """Every current secret's signature, space-separated (both during a rotation)."""
    return " ".join(sign(s, webhook_id, timestamp, body) for s in secrets)


def _address_problem(host: str) -> str | None:
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(
        ".localhost"
    ):
        return "a loopback address"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private or address.is_reserved or address.is_multicast:
        return "a private address"
    if address.is_unspecified:
        return "an unspecified address"
    return None


def address_problem(host: str, environment: str) -> str | None:
    """Why `host` (a name or an address) may not be called here; None if it may."""
    if environment == "development":
        return None
    found = _address_problem(host)
    return None if found is None else f"The endpoint is {found}, refused outside development"


def endpoint_problem(url: str, environment: str) -> str | None:
    """Why a partner endpoint is refused (None: it may be called)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "The endpoint is not a URL"
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "The endpoint must be an absolute https URL"
    if parts.scheme == "http" and environment != "development":
        return "The endpoint must use https (plain http is for development only)"
    if parts.username or parts.password:
        return "The endpoint must not carry credentials in its URL"
    return address_problem(parts.hostname, environment)


def unix_seconds(moment: datetime) -> int:
    return int(moment.timestamp())
