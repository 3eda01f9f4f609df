"""Full-resource payloads: each focus read from its owning service's FHIR API at send time.

The portal never reads another service's database: it asks the owning service
(referrals, care plans, MDT, or itself) over HTTP as itself, the portal's system client
(`service.system_token`: client credentials at its issuer, the settings
`PORTAL_FRONT_DOOR_DIRECTORY_CLIENT_ID` / `_SECRET` / `_ISSUER` it shares with the front
door, asking for the read scopes of the topics' focus types, or
`PORTAL_SUBSCRIPTION_READ_SCOPE`), so the owning service applies its own rules and
audits the read; a static `PORTAL_SUBSCRIPTION_READ_TOKEN` overrides the client. The
issuer cannot mint a token in the partner's name, so what the partner may read is
checked here instead, on the partner's behalf: its SMART system scope for the focus
type when the Subscription is created or changed, and its agreement and the patient's
Consent at send time (the notification is not sent at all otherwise). A focus the
service does not give (gone, refused, the service down, no token) is sent without its
body, as `id-only` would: the partner can read it itself and get the service's answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import httpx
import orjson

from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.logging import get_logger
from portal.domain.topics import CATALOGUE
from portal.service.context import PortalContext
from portal.service.system_token import SystemToken, TokenRefused, portal_system_token

__all__ = ["FOCUS_READ_SCOPE", "read_focuses"]

FOCUS_READ_SCOPE = " ".join(sorted({f"system/{t.focus_type}.rs" for t in CATALOGUE}))
"""What the portal's system client asks for to read any topic's focus."""
_log = get_logger(__name__)


async def _read(
    client: httpx.AsyncClient, url: str, token: str, timeout_s: float
) -> tuple[int, JsonObject | None]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/fhir+json"}
    try:
        answer = await client.get(url, headers=headers, timeout=timeout_s, follow_redirects=False)
    except httpx.HTTPError:
        return 0, None
    if answer.status_code != 200:
        return answer.status_code, None
    try:
        body = orjson.loads(answer.content)
    except orjson.JSONDecodeError:
        return 200, None
    expected = url.rstrip("/").rsplit("/", 2)[-2]
    ok = isinstance(body, dict) and body.get("resourceType") == expected
    return 200, body if ok else None


async def _bearer(context: PortalContext) -> tuple[str | None, SystemToken | None]:
    static = context.settings.subscription_read_token
    if static:
        return static, None
    scope = context.settings.subscription_read_scope or FOCUS_READ_SCOPE
    client = portal_system_token(context.settings, scope)
    if client is None:
        return None, None
    try:
        return await client.bearer(), client
    except TokenRefused as refused:
        _log.warning("subscription.focus_token_refused", reason=refused.reason)
        return None, client


async def read_focuses(
    client: httpx.AsyncClient, context: PortalContext, urls: Iterable[str | None]
) -> dict[str, JsonObject]:
    """The focus resources that could be read, by URL (each read once, side by side)."""
    wanted = list(dict.fromkeys(u for u in urls if u))
    token, system = await _bearer(context) if wanted else (None, None)
    if not token:
        return {}
    timeout_s = context.settings.focus_read_timeout_s
    answers = await asyncio.gather(*(_read(client, url, token, timeout_s) for url in wanted))
    if system is not None and any(status == 401 for status, _ in answers):
        system.forget()  # refused where it was used: a new one next time
    return {url: body for url, (_, body) in zip(wanted, answers, strict=True) if body}
