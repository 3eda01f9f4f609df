"""What the request middleware adds to every request, read in one pass of the headers
(issue 16): the correlation id, security headers, refusals, and the request metrics."""

from __future__ import annotations

import uuid

from starlette.types import Message, Receive, Scope, Send

from carecoord_shared.web.metrics import REQUESTS
from carecoord_shared.web.middleware import (
    Limits,
    RequestContextMiddleware,
    new_correlation_id,
)

Headers = list[tuple[bytes, bytes]]


async def _served(
    path: str,
    headers: Headers,
    *,
    query: bytes = b"",
    answer: Headers | None = None,
) -> tuple[int, dict[bytes, list[bytes]]]:
    """Status and response headers (name -> every value) of a GET through the middleware."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": answer or []})
        await send({"type": "http.response.body", "body": b"{}"})

    middleware = RequestContextMiddleware(app, Limits())
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": headers,
        "client": ("127.0.0.1", 5000),
    }
    await middleware(scope, receive, send)
    start = sent[0]
    found: dict[bytes, list[bytes]] = {}
    for name, value in start["headers"]:
        found.setdefault(name, []).append(value)
    return start["status"], found


def test_a_new_correlation_id_is_a_random_version_4_uuid() -> None:
    made = {new_correlation_id() for _ in range(200)}
    assert len(made) == 200
    for text in made:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


async def test_a_sane_correlation_id_is_echoed_and_any_other_replaced() -> None:
    _, found = await _served("/fhir/Task/1", [(b"x-correlation-id", b"abc.DEF-123_x")])
    assert found[b"x-correlation-id"] == [b"abc.DEF-123_x"]
    for bad in (b"short", b"has space in it", b"trailing-newline\n", b"x" * 65):
        _, found = await _served("/fhir/Task/1", [(b"x-correlation-id", bad)])
        (echoed,) = found[b"x-correlation-id"]
        assert uuid.UUID(echoed.decode()).version == 4


async def test_the_last_of_repeated_headers_counts() -> None:
    sent = [(b"x-correlation-id", b"first-one-1"), (b"x-correlation-id", b"second-one-2")]
    _, found = await _served("/healthz", sent)
    assert found[b"x-correlation-id"] == [b"second-one-2"]


async def test_security_headers_are_added_once_and_never_over_the_apps_own() -> None:
    _, api = await _served("/fhir/Task/1", [])
    for name in (b"cache-control", b"content-security-policy", b"x-content-type-options"):
        assert len(api[name]) == 1
    _, probe = await _served("/healthz", [])
    assert b"cache-control" not in probe
    assert probe[b"strict-transport-security"] == [b"max-age=31536000; includeSubDomains"]
    own = [(b"Cache-Control", b"max-age=60")]
    _, cached = await _served("/fhir/metadata", [], answer=own)
    assert cached[b"Cache-Control"] == [b"max-age=60"]
    assert b"cache-control" not in cached
    assert cached[b"content-security-policy"] == [b"default-src 'none'; frame-ancestors 'none'"]


async def test_xml_is_refused_on_the_fhir_api_whichever_way_it_is_asked() -> None:
    assert (await _served("/fhir/Task/1", [(b"accept", b"Application/FHIR+XML")]))[0] == 406
    assert (await _served("/fhir/Task/1", [], query=b"_format=text%2Fxml"))[0] == 406
    assert (await _served("/fhir/Task/1", [(b"accept", b"application/fhir+json")]))[0] == 200
    mixed = [(b"accept", b"application/xml, application/json")]
    assert (await _served("/fhir/Task/1", mixed))[0] == 200
    assert (await _served("/healthz", [(b"accept", b"application/xml")]))[0] == 200


async def test_each_request_is_counted_under_its_status() -> None:
    def count(status: str) -> float:
        value = REQUESTS.labels("GET", "unmatched", status)._value.get()
        return float(value)

    ok, throttled = count("200"), count("429")
    await _served("/fhir/Task/1", [])
    await _served("/fhir/Task/1", [])
    assert count("200") == ok + 2
    assert count("429") == throttled
