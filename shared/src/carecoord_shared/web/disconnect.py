"""Work stops when the client goes away: a request's work is cancelled on disconnect.

A search that takes seconds must not outlive the client that asked for it (issue 13,
finding 6): when the connection closes before the response is complete, the request's
work is cancelled, and asyncpg cancels the statement in PostgreSQL with it. The
per-request statement timeout bounds the rest. Only the FHIR API is watched (the
portal's pages may stream and listen for the disconnect themselves).

The work runs in the request's own task, and nothing watches a request until it has
run for `WATCH_AFTER_S`: a read answered in a millisecond costs one timer, not two
tasks (which were 7% of a read's CPU, issue 16). A request still running then gets a
watcher that waits for the disconnect and cancels the request's task, so a client
that left early stops the work at that mark, one that leaves later as soon as it does.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from carecoord_shared.logging import get_logger

__all__ = ["WATCH_AFTER_S", "run_until_disconnected"]

WATCH_AFTER_S = 0.25
"""How long a request runs unwatched: shorter work is not worth a task to watch it."""

_NO_BODY = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
log = get_logger(__name__)


class _Watch:
    """One request's view of its connection: the app's receive and send, and the
    watcher started once the request has run long enough to be worth watching."""

    __slots__ = (
        "_body_read",
        "_receive",
        "_send",
        "_task",
        "finished",
        "gone",
        "waiting",
        "watcher",
    )

    def __init__(self, receive: Receive, send: Send, task: asyncio.Task[object]) -> None:
        self._receive, self._send, self._task = receive, send, task
        self._body_read = asyncio.Event()
        self.waiting: list[Message] = []
        self.finished = self.gone = False
        self.watcher: asyncio.Task[None] | None = None

    def body_read(self) -> None:
        self._body_read.set()

    async def receive(self) -> Message:
        message = self.waiting.pop() if self.waiting else await self._receive()
        if message["type"] == "http.disconnect" or not message.get("more_body"):
            self._body_read.set()
        return message

    async def send(self, message: Message) -> None:
        await self._send(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            self.finished = True

    def start(self) -> None:
        if not self.finished:
            self.watcher = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        await self._body_read.wait()
        if (await self._receive())["type"] == "http.disconnect" and not self.finished:
            self.gone = True
            self._task.cancel()

    def stop(self) -> bool:
        """Stop watching; True if the watcher cancelled the request. Its cancellation is
        taken back (once), so only a cancellation from elsewhere is left on the task."""
        if self.watcher is not None:
            self.watcher.cancel()
            self.watcher = None
            if self.gone:
                self._task.uncancel()
        return self.gone


async def run_until_disconnected(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> bool:
    """Run `app`; False if the client went away first and the work was cancelled."""
    task = asyncio.current_task()
    assert task is not None  # an ASGI app always runs in a task
    watch = _Watch(receive, send, task)
    if scope.get("method") in _NO_BODY:
        watch.waiting.append(await receive())  # the empty body: what follows is the disconnect
        watch.body_read()
    timer = asyncio.get_running_loop().call_later(WATCH_AFTER_S, watch.start)
    try:
        await app(scope, watch.receive, watch.send)
    except asyncio.CancelledError:
        if not watch.stop() or task.cancelling():
            raise  # the server itself is stopping us
        log.info("client_went_away", path=scope.get("path", "")[:80])
        return False
    finally:
        timer.cancel()
        watch.stop()
    return not watch.gone
