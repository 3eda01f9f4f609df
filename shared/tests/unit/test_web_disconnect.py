"""A client that goes away cancels its request's work (issue 13, finding 6)."""

from __future__ import annotations

import asyncio
import time

import pytest
from starlette.types import Message, Receive, Scope, Send

from carecoord_shared.web.disconnect import WATCH_AFTER_S, run_until_disconnected


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


def _get() -> Scope:
    return {"type": "http", "method": "GET", "path": "/fhir/Task"}


async def test_a_client_that_leaves_while_long_work_runs_cancels_it_and_the_task_goes_on() -> None:
    """The work runs in the request's own task: the watcher's cancellation stops the
    work, is taken back, and the task that served the request is not left cancelling."""
    cancelled = asyncio.Event()
    left = asyncio.Event()

    async def slow_search(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    body = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> Message:
        if body:
            return body.pop()
        await asyncio.sleep(WATCH_AFTER_S + 0.1)  # the client leaves after the watch began
        left.set()
        return {"type": "http.disconnect"}

    async def send(_message: Message) -> None:
        raise AssertionError("nobody is left to answer")

    started = time.monotonic()
    finished = await run_until_disconnected(slow_search, _get(), receive, send)
    assert finished is False
    assert left.is_set()
    assert cancelled.is_set()
    assert time.monotonic() - started < WATCH_AFTER_S + 1
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0
    await asyncio.sleep(0)  # and the task can still await: nothing cancels it again


async def test_quick_work_is_not_watched() -> None:
    """Work done before `WATCH_AFTER_S` never listens for the disconnect: the only
    receive is the empty body, and no task is left behind."""
    receives = 0

    async def quick(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(0)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def receive() -> Message:
        nonlocal receives
        receives += 1
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: Message) -> None:
        return None

    before = len(asyncio.all_tasks())
    assert await run_until_disconnected(quick, _get(), receive, send) is True
    await asyncio.sleep(WATCH_AFTER_S + 0.05)
    assert receives == 1
    assert len(asyncio.all_tasks()) == before


async def test_the_server_stopping_the_request_is_not_taken_for_a_disconnect() -> None:
    """A cancellation from elsewhere (the server shutting down) still propagates, even
    after the watcher started."""
    started = asyncio.Event()

    async def slow(scope: Scope, receive: Receive, send: Send) -> None:
        started.set()
        await asyncio.sleep(10)

    async def receive() -> Message:
        await asyncio.sleep(0)
        if not started.is_set():
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(10)  # the client stays
        return {"type": "http.disconnect"}

    async def send(_message: Message) -> None:
        return None

    request = asyncio.create_task(run_until_disconnected(slow, _get(), receive, send))
    await asyncio.sleep(WATCH_AFTER_S + 0.05)
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request
    assert request.cancelled()


async def test_a_post_body_is_read_by_the_app_before_the_watch_listens() -> None:
    """For a request with a body the app reads every part first; only then does the
    watcher listen, so the app's receives are never taken from it."""
    parts = [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"cd", "more_body": False},
    ]
    read = bytearray()
    cancelled = asyncio.Event()

    async def upload(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(WATCH_AFTER_S + 0.05)  # the watch starts before the body is read
        while True:
            message = await receive()
            read.extend(message["body"])
            if not message["more_body"]:
                break
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def receive() -> Message:
        return parts.pop(0) if parts else {"type": "http.disconnect"}

    async def send(_message: Message) -> None:
        return None

    post = {"type": "http", "method": "POST", "path": "/fhir/Task"}
    assert await run_until_disconnected(upload, post, receive, send) is False
    assert bytes(read) == b"abcd"
    assert cancelled.is_set()
