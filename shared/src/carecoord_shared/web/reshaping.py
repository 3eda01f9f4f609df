"""The response as the request asked for it: `HEAD` answered wherever `GET` is served
(the GET's status and headers, no body), and the JSON indented when the client asks
`_pretty=true` (FHIR's general parameter)."""

from __future__ import annotations

import orjson
from starlette.types import Message, Scope, Send


def _pretty_asked(scope: Scope) -> bool:
    query = scope.get("query_string", b"")
    return b"_pretty" in query and any(
        part.partition(b"=")[::2] == (b"_pretty", b"true") for part in query.split(b"&")
    )


def _indented(body: bytes) -> bytes:
    try:
        return orjson.dumps(orjson.loads(body), option=orjson.OPT_INDENT_2)
    except orjson.JSONDecodeError:
        return body


class _Reshaped:
    """The response as the request asked for it: no body for `HEAD` (every header of
    the GET kept, Content-Length included), indented JSON for `_pretty=true`."""

    def __init__(self, send: Send, *, head: bool, pretty: bool) -> None:
        self.send, self.head, self.pretty = send, head, pretty
        self.held: Message | None = None
        self.body = bytearray()

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers", []))
            if self.pretty and b"json" in headers.get(b"content-type", b""):
                self.held = message  # sent once the whole body is known
                return
        elif message["type"] == "http.response.body" and self.held is not None:
            self.body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            start, self.held = self.held, None
            body = _indented(bytes(self.body))
            kept = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            start["headers"] = [*kept, (b"content-length", str(len(body)).encode())]
            await self.send(start)
            message = {"type": "http.response.body", "body": body}
        if self.head and message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await self.send(message)


def as_asked(scope: Scope, send: Send) -> tuple[Scope, Send]:
    """The scope the routes see (a HEAD routed as the GET it mirrors) and the send that
    shapes the response as asked (untouched unless HEAD or `_pretty=true`)."""
    head = scope.get("method") == "HEAD"
    pretty = _pretty_asked(scope)
    if not (head or pretty):
        return scope, send
    return ({**scope, "method": "GET"} if head else scope), _Reshaped(
        send, head=head, pretty=pretty
    )
