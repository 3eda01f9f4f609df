"""Full-resource payloads: each focus read from its owning service's FHIR API at send time.

The portal never reads another service's database: it asks the owning service
(referrals, care plans, MDT, or itself) over HTTP with its own system token
(`PORTAL_SUBSCRIPTION_READ_TOKEN`), so the owning service applies its own rules and
audits the read. The development issuer cannot mint a token in the partner's name,
so what the partner may read is checked here instead, on the partner's behalf: its
SMART system scope for the focus type when the Subscription is created or changed,
and its agreement and the patient's Consent at send time (the notification is not
sent at all otherwise). A focus the service does not give (gone, refused, the
service down, no token configured) is sent without its body, as `id-only` would:
the partner can read it itself and get the service's own answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import httpx
import orjson

from carecoord_shared.fhir.outcome import JsonObject
from portal.service.context import PortalContext

__all__ = ["read_focuses"]


async def _read(
    client: httpx.AsyncClient, url: str, token: str, timeout_s: float
) -> JsonObject | None:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/fhir+json"}
    try:
        answer = await client.get(url, headers=headers, timeout=timeout_s, follow_redirects=False)
    except httpx.HTTPError:
        return None
    if answer.status_code != 200:
        return None
    try:
        body = orjson.loads(answer.content)
    except orjson.JSONDecodeError:
        return None
    expected = url.rstrip("/").rsplit("/", 2)[-2]
    return body if isinstance(body, dict) and body.get("resourceType") == expected else None


async def read_focuses(
    client: httpx.AsyncClient, context: PortalContext, urls: Iterable[str | None]
) -> dict[str, JsonObject]:
    """The focus resources that could be read, by URL (each read once, side by side)."""
    settings = context.settings
    token = settings.subscription_read_token
    wanted = list(dict.fromkeys(u for u in urls if u))
    if not token or not wanted:
        return {}
    bodies = await asyncio.gather(
        *(_read(client, url, token, settings.focus_read_timeout_s) for url in wanted)
    )
    return {url: body for url, body in zip(wanted, bodies, strict=True) if body is not None}
