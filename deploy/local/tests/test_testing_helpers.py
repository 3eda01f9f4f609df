"""The shared test helpers: waiting, serving an app, and Kafka as an outside party."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI

from carecoord_devstack.testing import drop_topic, eventually, publish, read_records, serving
from carecoord_shared.events import ensure_topics, new_event


async def test_eventually_returns_the_value_it_waited_for_and_fails_when_it_never_comes() -> None:
    answers = iter([0, None, 42])

    async def third_time() -> int | None:
        return next(answers)

    assert await eventually(third_time) == 42

    async def never() -> int:
        return 0

    with pytest.raises(AssertionError, match="never held"):
        await eventually(never, timeout_s=0.3)


async def test_serving_runs_the_lifespan_around_a_client_with_its_headers() -> None:
    seen: list[str] = []

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        seen.append("started")
        yield
        seen.append("stopped")

    app = FastAPI(lifespan=lifespan)

    @app.get("/who")
    async def who() -> dict[str, str]:
        return {"started": seen[0]}

    async with serving(app, "http://app", headers={"X-User": "u"}) as client:
        answer = await client.get("/who")
        assert answer.status_code == 200
        assert answer.json() == {"started": "started"}
        assert client.headers["X-User"] == "u"
    assert seen == ["started", "stopped"]


async def test_published_events_are_read_back_in_order_keyed_by_nhs_number(
    kafka_bootstrap: str,
) -> None:
    topic = f"test.helpers.{uuid.uuid4().hex[:8]}"
    events = [
        new_event("t.v1", source="urn:test", subject=f"X/{n}", nhs_number="9990000018", data={})
        for n in range(3)
    ]
    await ensure_topics(kafka_bootstrap, [topic])
    try:
        await publish(kafka_bootstrap, topic, *events)
        records = await read_records(kafka_bootstrap, topic, 3)
        assert [dict(r.headers)["ce_id"].decode() for r in records] == [e.id for e in events]
        assert {r.key for r in records} == {b"9990000018"}
        later = await read_records(kafka_bootstrap, topic, lambda got: len(got) >= 2)
        assert len(later) >= 2
    finally:
        await drop_topic(kafka_bootstrap, topic)
