"""A partner's webhook endpoint on loopback: a real HTTP server the portal delivers to.

Plain asyncio (HTTP/1.1 with keep-alive, Content-Length bodies): each request is kept
(headers and body) and answered as the test's `script` says, which can fail, ask to
retry after a while, hang past the portal's timeout, or answer 410 Gone (or, standing
in for an owning service's FHIR API, answer a read with a body).
Signatures are checked as a partner would: with the off-the-shelf `standardwebhooks`
library (signature over `id.timestamp.body`, timestamp within its replay window).
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True, slots=True)
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def json(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value

    @property
    def kind(self) -> str:
        status = self.json["entry"][0]["resource"]["parameter"]
        return str(next(p["valueCode"] for p in status if p["name"] == "type"))

    @property
    def numbers(self) -> list[int]:
        status = self.json["entry"][0]["resource"]["parameter"]
        return [
            int(part["valueString"])
            for p in status
            if p["name"] == "notification-event"
            for part in p["part"]
            if part["name"] == "event-number"
        ]

    @property
    def focuses(self) -> list[str]:
        status = self.json["entry"][0]["resource"]["parameter"]
        return [
            part["valueReference"]["reference"]
            for p in status
            if p["name"] == "notification-event"
            for part in p["part"]
            if part["name"] == "focus"
        ]


@dataclass(frozen=True, slots=True)
class Answer:
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    delay_s: float = 0.0
    body: bytes = b""


Script = Callable[[dict[str, str], bytes], Answer]


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The partner's check, by the `standardwebhooks` library (any of the signatures)."""
    try:
        Webhook(secret).verify(body, headers, json_parse=False)
    except WebhookVerificationError:
        return False
    return True


def free_port() -> int:
    """A port nobody listens on now (the system's choice)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(slots=True)
class Receiver:
    script: Script = field(default=lambda _h, _b: Answer())
    received: list[Received] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in self._writers:
                writer.close()
            await self._server.wait_closed()

    def of_kind(self, kind: str, status: int | None = 200) -> list[Received]:
        return [r for r in self.received if r.kind == kind and status in (None, r.answered)]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                headers[":path"] = lines[0].split(" ")[1]  # the request line's target
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                answer = self.script(headers, body)
                if answer.delay_s:
                    await asyncio.sleep(answer.delay_s)
                self.received.append(Received(headers, body, answer.status))
                extra = "".join(f"{k}: {v}\r\n" for k, v in answer.headers)
                head_out = f"HTTP/1.1 {answer.status} X\r\ncontent-length: {len(answer.body)}\r\n"
                writer.write(f"{head_out}{extra}\r\n".encode() + answer.body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:  # the test is over: end quietly, not as an error
            pass
        finally:
            writer.close()
