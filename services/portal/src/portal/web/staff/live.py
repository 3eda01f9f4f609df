"""Live updates: server-sent events that tell an open page a resource it shows changed.

The worker announces changed references through PostgreSQL (`store.live`); this module
keeps one listening connection per web process while any page watches, and streams
`changed` events to the pages watching those references. A page may watch only what
its user's own token can read: the stream for a request is opened only after referrals
answered that request to this user (otherwise "not found", like the page itself). The
event carries no data beyond the reference: the page re-reads itself as its user
(`static/live.js`), and without JavaScript it keeps its plain "refresh" link.

A stream ends after a minute and the browser reconnects by itself (EventSource), so a
signed-out or expired session stops receiving within a minute of its end.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Final

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from portal.service.bff import ServiceDown
from portal.service.bff.directory import services_of
from portal.store.live import listening
from portal.web.http import add_page
from portal.web.staff.common import AnyStaff, Staff, StaffClients

__all__ = ["LiveHub", "add_live_routes", "stream", "stream_when", "try_again"]

STREAM_S: Final = 60.0
KEEP_ALIVE_S: Final = 15.0


class LiveHub:
    """One web process's watchers, and the listening connection while there are any."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._watchers: dict[str, set[asyncio.Queue[str]]] = {}
        self._listening: AsyncExitStack | None = None
        self._lock = asyncio.Lock()
        self._closing: set[asyncio.Task[None]] = set()

    def _notice(self, about: list[str]) -> None:
        for reference in about:
            for queue in self._watchers.get(reference, ()):
                with contextlib.suppress(asyncio.QueueFull):  # a stalled page misses some
                    queue.put_nowait(reference)

    async def _start(self) -> None:
        async with self._lock:
            if self._listening is None:
                stack = AsyncExitStack()
                await stack.enter_async_context(listening(self._engine, self._notice))
                self._listening = stack

    async def _stop_if_idle(self) -> None:
        async with self._lock:
            if not self._watchers and self._listening is not None:
                stack, self._listening = self._listening, None
                await stack.aclose()

    @asynccontextmanager
    async def watch(self, references: Sequence[str]) -> AsyncIterator[asyncio.Queue[str]]:
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=100)
        await self._start()
        for reference in references:
            self._watchers.setdefault(reference, set()).add(queue)
        try:
            yield queue
        finally:
            # No awaiting here: a page that went away cancels this stream, and the
            # listening connection is closed by a task of its own once nobody watches.
            for reference in references:
                watching = self._watchers.get(reference, set())
                watching.discard(queue)
                if not watching:
                    self._watchers.pop(reference, None)
            if not self._watchers:
                task = asyncio.get_running_loop().create_task(self._stop_if_idle())
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)


def _hub(request: Request) -> LiveHub:
    hub = getattr(request.app.state, "live_hub", None)
    if not isinstance(hub, LiveHub):
        hub = LiveHub(request.app.state.engine)
        request.app.state.live_hub = hub
    return hub


async def _events(request: Request, references: list[str]) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    ends = loop.time() + STREAM_S
    async with _hub(request).watch(references) as queue:
        yield "retry: 3000\n: watching\n\n"
        while (left := ends - loop.time()) > 0 and not await request.is_disconnected():
            try:
                reference = await asyncio.wait_for(queue.get(), min(left, KEEP_ALIVE_S))
            except TimeoutError:
                yield ": still here\n\n"
                continue
            yield f"event: changed\ndata: {reference}\n\n"


def try_again() -> Response:
    """The service that decides whether the user may watch did not answer."""
    return Response(status_code=503, headers={"Retry-After": "10"})


def stream(request: Request, references: list[str]) -> Response:
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(
        _events(request, references), media_type="text/event-stream", headers=headers
    )


async def stream_when(user: Staff, readable: Awaitable[list[str]]) -> Response:
    """The stream of the references `readable` finds this user may watch: not found
    (exactly like the page) when it finds none, "try again" when the service deciding
    it does not answer."""
    try:
        references = await readable
    except ServiceDown:
        return try_again()
    if not references:
        return user.not_found()
    return stream(user.request, references)


async def _readable_request(services: StaffClients, request_id: str) -> list[str]:
    reference = f"ServiceRequest/{request_id}"
    return [reference] if (await services.referrals.get(reference)).ok else []


async def request_stream(user: AnyStaff, request_id: str) -> Response:
    """Changes to one request, for someone who may read it."""
    return await stream_when(user, _readable_request(user.services, request_id))


async def _own_services(services: StaffClients, organisation: str) -> list[str]:
    own = await services_of(services.referrals, organisation)
    return [f"HealthcareService/{s.id}" for s in own]


async def worklist_stream(user: AnyStaff) -> Response:
    """New and changed requests for the services of the user's organisation (the ones
    referrals lists to this user), for their triage worklist."""
    return await stream_when(user, _own_services(user.services, user.organisation))


def add_live_routes(router: APIRouter) -> None:
    add_page(router, "/live/requests/{request_id}", get=request_stream)
    add_page(router, "/live/worklist", get=worklist_stream)
