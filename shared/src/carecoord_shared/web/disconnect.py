"""Work stops when the client goes away: a request's task is cancelled on disconnect.

A search that takes seconds must not outlive the client that asked for it (issue 13,
finding 6): when the connection closes before the response is complete, the request's
task is cancelled, and asyncpg cancels the statement in PostgreSQL with it. The
per-request statement timeout bounds the rest. Only the FHIR API is watched (the
portal's pages may stream and listen for the disconnect themselves).
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from carecoord_shared.logging import get_logger

__all__ = ["run_until_disconnected"]

_NO_BODY = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
log = get_logger(__name__)


async def run_until_disconnected(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> bool:
    """Run `app`; False if the client went away first and the work was cancelled."""
    body_read, finished = asyncio.Event(), asyncio.Event()
    waiting: list[Message] = []
    if scope.get("method") in _NO_BODY:
        waiting.append(await receive())  # the empty body: what follows is the disconnect
        body_read.set()

    async def app_receive() -> Message:
        message = waiting.pop() if waiting else await receive()
        if message["type"] == "http.disconnect" or not message.get("more_body"):
            body_read.set()
        return message

    async def app_send(message: Message) -> None:
        await send(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            finished.set()

    async def run() -> None:
        await app(scope, app_receive, app_send)

    work: asyncio.Task[None] = asyncio.create_task(run())
    gone = asyncio.Event()

    async def watch() -> None:
        await body_read.wait()
        if (await receive())["type"] == "http.disconnect" and not finished.is_set():
            gone.set()
            work.cancel()

    watcher = asyncio.create_task(watch())
    try:
        await work
    except asyncio.CancelledError:
        if not gone.is_set():
            raise  # the server itself is stopping us
        log.info("client_went_away", path=scope.get("path", "")[:80])
        return False
    finally:
        watcher.cancel()
    return True
