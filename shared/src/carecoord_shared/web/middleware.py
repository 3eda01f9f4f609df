"""One pure-ASGI middleware for what every request needs, kept off the hot path's back.

It sets the correlation id (from `X-Correlation-ID` when the caller sends a sane one),
echoes it, counts and times requests for Prometheus by route template (`metrics`),
answers `HEAD` wherever `GET` is served and indents the JSON for `_pretty=true`
(`reshaping`), refuses a bad URL or a client over its budget before any work, and turns any
unhandled exception into an OperationOutcome: 503 with `Retry-After` when the database
is out of reach or a statement ran out of time (the client can retry), otherwise a
500 that carries only the correlation id.
The log line for such a failure names the exception class and where it was raised,
never its message, which may hold patient data or SQL.
"""

from __future__ import annotations

import math
import os
import re
import time
import traceback
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from carecoord_shared.db import is_database_outage, is_statement_timeout
from carecoord_shared.fhir.narrative import outcome
from carecoord_shared.fhir.outcome import (
    FhirError,
    Issue,
    database_unavailable,
    internal_error,
    too_slow,
)
from carecoord_shared.logging import correlation_id_var, get_logger
from carecoord_shared.web.disconnect import run_until_disconnected
from carecoord_shared.web.hardening import RateLimiter, client_key, security_headers
from carecoord_shared.web.metrics import RequestMetrics
from carecoord_shared.web.reshaping import as_asked

_SANE_ID = re.compile(rb"^[A-Za-z0-9._-]{8,64}$")
log = get_logger(__name__)


MAX_URL_BYTES = 8192
"""Longest path and query accepted (a longer one answers 414 with an OperationOutcome)."""


_XML = (b"application/fhir+xml", b"application/xml", b"text/xml")
_XML_FORMATS = (b"xml", b"text/xml", b"application/xml", b"application/fhir+xml")


def _asked(headers: list[tuple[bytes, bytes]]) -> tuple[bytes, bytes, bytes]:
    """The request headers the middleware reads (the last of each, as a dict would keep),
    in one pass: `X-Correlation-ID`, `Authorization` and `Accept`."""
    correlation = authorization = accept = b""
    for name, value in headers:
        if name == b"x-correlation-id":
            correlation = value
        elif name == b"authorization":
            authorization = value
        elif name == b"accept":
            accept = value
    return correlation, authorization, accept


def _wants_xml(query: bytes, accept: bytes) -> bool:
    """FHIR XML was asked for (`_format` or an Accept naming XML and no JSON): 406."""
    if b"_format" in query:
        for part in query.split(b"&"):
            name, _, value = part.partition(b"=")
            if name == b"_format" and unquote_to_bytes(value).lower() in _XML_FORMATS:
                return True
    accept = accept.lower()
    if b"xml" not in accept:
        return False  # the usual case, decided without looking further
    return any(x in accept for x in _XML) and b"json" not in accept and b"*/*" not in accept


def _refuse_url(scope: Scope, accept: bytes) -> FhirError | None:
    raw_path = scope.get("raw_path") or scope.get("path", "").encode()
    query = scope.get("query_string", b"")
    if len(raw_path) + len(query) > MAX_URL_BYTES:
        return FhirError(414, [Issue("too-long", f"The URL is longer than {MAX_URL_BYTES} bytes")])
    if b"%00" in raw_path or b"%00" in query or b"\x00" in raw_path or b"\x00" in query:
        return FhirError(400, [Issue("value", "The URL may not contain a NUL character")])
    if raw_path.startswith(b"/fhir") and _wants_xml(query, accept):
        text = "This server speaks FHIR JSON only (application/fhir+json)"
        return FhirError(406, [Issue("not-supported", text)])
    return None


def new_correlation_id() -> str:
    """A random (version 4) UUID in its usual text form, made without `uuid.UUID`'s
    validation, which was a third of this middleware's own time per request."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _classify(error: Exception, correlation_id: str) -> FhirError:
    """A dependency outage is the client's to retry (503); anything else is our bug (500).
    Either way the log names the class and place, never the message."""
    frame = traceback.extract_tb(error.__traceback__)[-1]
    where = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}:{frame.name}"
    if is_database_outage(error):
        log.warning("dependency_outage", dependency="database", error_class=type(error).__name__)
        return database_unavailable()
    if is_statement_timeout(error):
        log.warning("statement_timeout", error_class=type(error).__name__, where=where)
        return too_slow()
    log.error("unhandled_error", error_class=type(error).__name__, where=where)
    return internal_error(correlation_id)


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-process request budgets (see `hardening`)."""

    client_rate: float = 2000.0
    client_burst: float = 4000.0
    failed_auth_rate: float = 1.0
    failed_auth_burst: float = 20.0


def _throttled(retry_after_s: float) -> FhirError:
    seconds = max(1, math.ceil(retry_after_s))
    error = FhirError(
        429, [Issue("throttled", f"Too many requests; retry after {seconds} seconds")]
    )
    error.headers["Retry-After"] = str(seconds)
    return error


async def _answer(problem: FhirError, start: Send, send: Send) -> None:
    """An OperationOutcome for a request no route answered (refused, or failed)."""
    headers = [(k.lower().encode(), v.encode()) for k, v in problem.headers.items()]
    await start(
        {
            "type": "http.response.start",
            "status": problem.status,
            "headers": [(b"content-type", b"application/fhir+json"), *headers],
        }
    )
    await send({"type": "http.response.body", "body": orjson.dumps(outcome(problem.issues))})


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, limits: Limits | None = None) -> None:
        self.app = app
        limits = limits or Limits()
        self._clients = RateLimiter(limits.client_rate, limits.client_burst)
        self._failed = RateLimiter(limits.failed_auth_rate, limits.failed_auth_burst)
        self._metrics = RequestMetrics()

    def _refusal(
        self, scope: Scope, address: str, authorization: bytes, accept: bytes
    ) -> FhirError | None:
        """Refused before any work: a bad URL, or a client or address over its budget."""
        refused = _refuse_url(scope, accept)
        if refused is not None:
            return refused
        if (wait := self._failed.blocked_for(address)) > 0:
            return _throttled(wait)
        if authorization and (wait := self._clients.take(client_key(authorization))) > 0:
            return _throttled(wait)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied, authorization, accept = _asked(scope["headers"])
        sane = supplied if _SANE_ID.fullmatch(supplied) else None
        correlation_id = sane.decode("latin-1") if sane is not None else new_correlation_id()
        token = correlation_id_var.set(correlation_id)
        started = time.perf_counter()
        path: str = scope.get("path", "")
        stamp = (b"x-correlation-id", sane or correlation_id.encode())
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = message.get("headers", ())
                message["headers"] = [*headers, *security_headers(path, headers), stamp]
            await send(message)

        address = (scope.get("client") or ("unknown",))[0]
        app_scope, reshaped = as_asked(scope, send_with_id)
        try:
            refusal = self._refusal(scope, address, authorization, accept)
            if refusal is not None:
                raise refusal
            if path.startswith("/fhir"):
                if not await run_until_disconnected(self.app, app_scope, receive, reshaped):
                    status = 499  # the client closed the connection: nobody to answer
            else:
                await self.app(app_scope, receive, reshaped)
        except FhirError as error:  # refused before routing: still an OperationOutcome
            if not response_started:
                await _answer(error, send_with_id, send)
        except Exception as error:  # the last line of defence: never leak, always answer
            problem = _classify(error, correlation_id)
            if not response_started:
                await _answer(problem, send_with_id, send)
        finally:
            if status == 401:
                self._failed.take(address)
            template = getattr(app_scope.get("route"), "path", "unmatched")
            elapsed = time.perf_counter() - started
            self._metrics.record(scope.get("method", ""), template, status, elapsed)
            correlation_id_var.reset(token)
