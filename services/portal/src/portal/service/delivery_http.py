"""One signed POST to a partner's endpoint, and what its answer means for delivery.

Signed as Standard Webhooks (`webhook-id`, `webhook-timestamp` in real seconds so the
receiver's replay window works, `webhook-signature` with every current secret), sent
with the subscription's timeout and no redirects followed, and classified:
`delivered` (2xx), `gone` (410: the endpoint is disabled), `retry-after` (429/503 with
`Retry-After`), or a failure (`failed`, `timeout`, `unreachable`, `refused` when the
address is one this environment may not call, resolved at send time against DNS
rebinding). Nothing of the answer's body is kept.
"""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx

from portal.domain.subscriptions import PartnerSubscription
from portal.domain.webhooks import address_problem, retry_after, signature_header

__all__ = ["Sent", "post_signed"]


@dataclass(frozen=True, slots=True)
class Sent:
    outcome: str
    status_code: int | None
    latency_ms: int
    retry_after: timedelta | None = None

    @property
    def delivered(self) -> bool:
        return self.outcome == "delivered"


def _partner_headers(subscription: PartnerSubscription) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in subscription.headers:
        name, _, value = line.partition(":")
        if name.strip() and value.strip():
            headers[name.strip()] = value.strip()
    return headers


async def _refused(url: str, environment: str) -> bool:
    """Resolve the endpoint now: a name that points at a private address is refused."""
    if environment == "development":
        return False
    host = urlsplit(url).hostname or ""
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False  # the POST will fail as unreachable
    return any(address_problem(str(info[4][0]), environment) for info in found)


def _classified(response: httpx.Response, started: float, now: datetime) -> Sent:
    latency = int((time.perf_counter() - started) * 1000)
    code = response.status_code
    if 200 <= code < 300:
        return Sent("delivered", code, latency)
    if code == 410:
        return Sent("gone", code, latency)
    wait = retry_after(response.headers.get("retry-after"), now)
    if code in (429, 503) and wait is not None:
        return Sent("retry-after", code, latency, wait)
    return Sent("failed", code, latency)


async def post_signed(
    client: httpx.AsyncClient,
    subscription: PartnerSubscription,
    webhook_id: str,
    body: bytes,
    now: datetime,
    environment: str,
) -> Sent:
    if await _refused(subscription.endpoint, environment):
        return Sent("refused", None, 0)
    timestamp = int(time.time())
    headers = {
        **_partner_headers(subscription),
        "content-type": "application/fhir+json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(subscription.secrets, webhook_id, timestamp, body),
    }
    started = time.perf_counter()
    try:
        response = await client.post(
            subscription.endpoint,
            content=body,
            headers=headers,
            timeout=float(subscription.timeout_s),
            follow_redirects=False,
        )
    except httpx.TimeoutException:
        return Sent("timeout", None, int((time.perf_counter() - started) * 1000))
    except httpx.HTTPError:
        return Sent("unreachable", None, int((time.perf_counter() - started) * 1000))
    return _classified(response, started, now)
