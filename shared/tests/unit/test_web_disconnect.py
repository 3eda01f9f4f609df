"""A client that goes away cancels its request's work (issue 13, finding 6)."""

from __future__ import annotations

import asyncio
import time

from starlette.types import Message, Receive, Scope, Send

from carecoord_shared.web.disconnect import run_until_disconnected


async def test_work_is_cancelled_when_the_client_goes_away() -> None:
    cancelled = asyncio.Event()

    async def slow_search(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await asyncio.sleep(10)  # a query that would run for ten seconds
        except asyncio.CancelledError:
            cancelled.set()
            raise

    messages: list[Message] = [
        {"type": "http.request", "body": b"", "more_body": False},
        {"type": "http.disconnect"},
    ]

    async def receive() -> Message:
        return messages.pop(0)

    async def send(_message: Message) -> None:
        raise AssertionError("nobody is left to answer")

    started = time.monotonic()
    finished = await run_until_disconnected(
        slow_search, {"type": "http", "method": "GET", "path": "/fhir/Task"}, receive, send
    )
    assert finished is False
    assert cancelled.is_set()
    assert time.monotonic() - started < 1


async def test_a_finished_response_is_not_disturbed_by_the_disconnect_after_it() -> None:
    sent: list[Message] = []

    async def quick(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    done = asyncio.Event()

    async def receive() -> Message:
        if not done.is_set():
            done.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(0.05)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    finished = await run_until_disconnected(
        quick, {"type": "http", "method": "GET", "path": "/fhir/Task"}, receive, send
    )
    assert finished is True
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
