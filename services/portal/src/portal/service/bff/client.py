"""Calls to another CareCoord service's FHIR API, as the signed-in person.

The portal is a backend for the frontend (ARCHITECTURE.md, "The portal"): it never
reads another service's database, and it calls with the user's own access token, so
every access rule, relationship check and AuditEvent stays where it already is. What a
page needs from this module is the answer as it came (status, JSON, ETag) and one
clear signal when the service cannot answer at all (`ServiceDown`: refused connection,
timeout, 502/503/504), so the page can say that part is down and offer a retry while
the rest of it still works. Every call of a process goes through one pooled client per
event loop and service (kept-alive connections, one TLS context): a page makes
several calls, and a new client per call spent most of the portal's time building TLS
contexts. Each pool is kept small (`_LIMITS`): httpcore walks every connection of a
pool, idle ones with a socket check each, twice per request, so one big pool for
every service cost more CPU than the calls themselves (py-spy under 20 users).
"""

from __future__ import annotations

import asyncio
import hashlib
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

__all__ = [
    "FhirClient",
    "FhirReply",
    "Json",
    "Query",
    "ServiceDown",
    "WriteAnswer",
    "if_match",
    "version_of",
    "write_answer",
]

_FHIR_JSON = "application/fhir+json"
_DOWN_STATUSES = frozenset({502, 503, 504})

Json = dict[str, Any]
Query = Sequence[tuple[str, str]]
_POOLS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, httpx.AsyncClient]] = (
    weakref.WeakKeyDictionary()
)
# At most this many calls in flight to one service process; idle connections are let go
# before the services' own keep-alive (uvicorn: 5 s) ends them under a request.
_LIMITS = httpx.Limits(max_connections=12, max_keepalive_connections=12, keepalive_expiry=4.0)


def _pool(base: str) -> httpx.AsyncClient:
    """This event loop's pooled client for calls to the service at `base`."""
    pools = _POOLS.setdefault(asyncio.get_running_loop(), {})
    client = pools.get(base)
    if client is None or client.is_closed:
        client = pools[base] = httpx.AsyncClient(limits=_LIMITS)
    return client


class ServiceDown(Exception):
    """The service did not answer; `service` is its name as people know it."""

    def __init__(self, service: str) -> None:
        super().__init__(f"{service} did not answer")
        self.service = service


@dataclass(frozen=True, slots=True)
class FhirReply:
    status: int
    body: Json = field(default_factory=dict)
    etag: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def resources(self, kind: str) -> list[Json]:
        """The `kind` resources of a search Bundle's entries ([] when not answered)."""
        if not self.ok:
            return []
        found = [e.get("resource") or {} for e in self.body.get("entry", [])]
        return [r for r in found if r.get("resourceType") == kind]

    def issues(self) -> list[str]:
        """The diagnostics of an OperationOutcome answer (safe to show: the services
        never put patient data or internals in them)."""
        if self.body.get("resourceType") != "OperationOutcome":
            return []
        return [
            str(issue.get("diagnostics") or (issue.get("details") or {}).get("text") or "")
            for issue in self.body.get("issue", [])
        ]


@dataclass(frozen=True, slots=True)
class WriteAnswer:
    """How a write a page asked for went: `saved`; `conflict` (someone else wrote first:
    409, or 412 for the version the person was looking at); `gone` (403, 404, 410: the
    page says not found, never whether it exists); or `refused`, with the service's
    messages."""

    result: str
    messages: tuple[str, ...] = ()


def if_match(version: str) -> str | None:
    """The If-Match for the version a person was looking at (None: the form sent none)."""
    return f'W/"{version}"' if version.isdigit() else None


def version_of(body: Json, etag: str | None = None) -> str:
    """The version a page keeps to send back (`if_match`): the read's ETag, else the
    resource's own `meta.versionId` (a search entry has no ETag)."""
    if etag:
        return etag.removeprefix("W/").strip('"')
    return str((body.get("meta") or {}).get("versionId") or "")


def write_answer(reply: FhirReply) -> WriteAnswer:
    messages = tuple(m for m in reply.issues() if m)
    if reply.ok:
        return WriteAnswer("saved")
    if reply.status in (409, 412):
        return WriteAnswer("conflict", messages)
    if reply.status in (403, 404, 410):
        return WriteAnswer("gone")
    return WriteAnswer("refused", messages)


class FhirClient:
    """One service's FHIR API (`{base_url}/fhir`) with one person's bearer token."""

    def __init__(
        self,
        service: str,
        base_url: str,
        token: str,
        *,
        timeout_s: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.service = service
        self._base = base_url.rstrip("/") + "/fhir"
        self.caller = (self._base, hashlib.sha256(token.encode()).hexdigest())
        """The service and who calls it (a digest of the token): what a kept answer is
        kept under (`bff.cache`)."""
        self._headers = {"Authorization": f"Bearer {token}", "Accept": _FHIR_JSON}
        self._timeout = timeout_s
        self._transport = transport

    async def get(self, path: str, params: Query | None = None) -> FhirReply:
        return await self._send("GET", path, params=params)

    async def post(
        self, path: str, body: Mapping[str, Any], *, if_match: str | None = None
    ) -> FhirReply:
        headers = {"Content-Type": _FHIR_JSON}
        if if_match:
            headers["If-Match"] = if_match
        return await self._send("POST", path, json=dict(body), headers=headers)

    async def put(self, path: str, body: Mapping[str, Any], *, if_match: str) -> FhirReply:
        """An update that only applies to the version the person was looking at."""
        headers = {"Content-Type": _FHIR_JSON, "If-Match": if_match}
        return await self._send("PUT", path, json=dict(body), headers=headers)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Query | None = None,
        json: Json | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> FhirReply:
        pool = _pool(self._base)
        request = pool.build_request(
            method,
            f"{self._base}/{path.lstrip('/')}",
            params=list(params or ()),
            json=json,
            headers={**self._headers, **(headers or {})},
            timeout=self._timeout,
        )
        try:
            if self._transport is None:
                response = await pool.send(request)
            else:  # a test's own transport (an app in process)
                async with httpx.AsyncClient(transport=self._transport) as client:
                    response = await client.send(request)
        except httpx.TransportError as error:
            raise ServiceDown(self.service) from error
        if response.status_code in _DOWN_STATUSES:
            raise ServiceDown(self.service)
        return FhirReply(response.status_code, _json(response), response.headers.get("ETag"))


def _json(response: httpx.Response) -> Json:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}
