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
import functools
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx

from portal.domain.subscriptions import PartnerSubscription
from portal.domain.webhooks import address_problem, retry_after, signature_header

__all__ = ["USER_AGENT", "Sent", "partner_pool", "post_signed", "tls"]

USER_AGENT = "CareCoord-Webhooks/1"


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


@functools.cache
def tls() -> ssl.SSLContext:
    """One TLS context (the system's CAs) for every connection pool to partners: each
    new pool made its own, loading every CA certificate again (15-30 ms of CPU)."""
    return ssl.create_default_context()


def partner_pool(connections: int) -> httpx.AsyncHTTPTransport:
    """Kept-alive connections to an endpoint, as many kept as may be open (httpcore
    closes an idle one whenever more than `max_keepalive_connections` are open)."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncHTTPTransport(verify=tls(), limits=limits)


async def post_signed(
    pool: httpx.AsyncBaseTransport,
    subscription: PartnerSubscription,
    webhook_id: str,
    body: bytes,
    now: datetime,
    environment: str,
) -> Sent:
    """POST straight to the pool (httpx's transport API): no redirects, cookies or auth
    to handle, so none of the client's work per request (a sixth of delivery's CPU)."""
    if await _refused(subscription.endpoint, environment):
        return Sent("refused", None, 0)
    timestamp = int(time.time())
    headers = {
        **_partner_headers(subscription),
        "user-agent": USER_AGENT,
        "content-type": "application/fhir+json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(subscription.secrets, webhook_id, timestamp, body),
    }
    timeout = httpx.Timeout(float(subscription.timeout_s)).as_dict()
    request = httpx.Request("POST", subscription.endpoint, headers=headers, content=body)
    request.extensions = {"timeout": timeout}
    started = time.perf_counter()
    try:
        response = await pool.handle_async_request(request)
        try:
            await response.aread()  # read to the end, so the connection is kept
        finally:
            await response.aclose()
    except httpx.TimeoutException:
        return Sent("timeout", None, int((time.perf_counter() - started) * 1000))
    except httpx.HTTPError:
        return Sent("unreachable", None, int((time.perf_counter() - started) * 1000))
    return _classified(response, started, now)
