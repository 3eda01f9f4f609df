"""The shared test helpers: waiting, settings, serving an app, running a worker, and
Kafka as an outside party."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from carecoord_devstack.testing import (
    SetClock,
    create_fresh_database,
    drop_topic,
    engine_on,
    eventually,
    minted,
    new_run,
    outcome_codes,
    publish,
    read_records,
    serving,
    settings_under_test,
    warm_up,
    working,
)
from carecoord_shared.events import ensure_topics, new_event
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.settings import ServiceSettings
from carecoord_shared.worker_runtime import Worker


class _Settings(ServiceSettings):
    service_name: str = "care_plans"
    topic: str = "carecoord.careplans.v1"
    referrals_topic: str = "carecoord.referrals.v1"
    mdt_topic: str = "carecoord.mdt.v1"


def _settings(**given: str | None) -> _Settings:
    return settings_under_test(
        _Settings,
        database_url="postgresql+asyncpg://db/one",
        jwks_url="file:///keys/jwks.json",
        kafka_bootstrap="broker:9092",
        **given,
    )


def test_settings_under_test_are_quiet_test_settings_on_the_given_servers() -> None:
    settings = _settings()
    assert settings.environment == "test"
    assert settings.log_level == "WARNING"
    assert settings.db_url == "postgresql+asyncpg://db/one"
    assert settings.auth_jwks_url == "file:///keys/jwks.json"
    assert settings.kafka_bootstrap_servers == "broker:9092"
    assert settings.public_base_url == "http://127.0.0.1:8000"
    assert settings.topic == "carecoord.careplans.v1"
    assert _settings(public_base_url="http://svc.test").fhir_base == "http://svc.test/fhir"


def test_a_run_gives_a_service_its_own_topics_and_overrides_win() -> None:
    run = new_run()
    settings = _settings(topics=run)
    assert (settings.topic, settings.referrals_topic, settings.mdt_topic) == (
        f"test.careplans.{run}",
        f"test.referrals.{run}",
        f"test.mdt.{run}",
    )
    assert new_run() != run
    assert _settings(topics=run, log_level="DEBUG", mdt_topic="mine").mdt_topic == "mine"
    assert _settings(log_level="DEBUG").log_level == "DEBUG"


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


async def test_warm_up_passes_on_200_and_fails_with_the_answer_otherwise() -> None:
    app = FastAPI()

    @app.get("/open")
    async def open_() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/shut")
    async def shut() -> JSONResponse:
        return JSONResponse({"why": "no token"}, status_code=401)

    async with serving(app, "http://app") as client:
        await warm_up(client, "/open", {"Authorization": "Bearer x"})
        with pytest.raises(AssertionError, match="no token"):
            await warm_up(client, "/shut", {})


async def _on_a_fresh_database(kafka_bootstrap: str, **overrides: str) -> ServiceSettings:
    return settings_under_test(
        ServiceSettings,
        database_url=await create_fresh_database("helpers"),
        jwks_url="file:///keys/jwks.json",
        kafka_bootstrap=kafka_bootstrap,
        **overrides,
    )


async def test_a_worker_runs_migrated_in_the_block_and_has_stopped_after_it(
    kafka_bootstrap: str,
) -> None:
    settings = await _on_a_fresh_database(kafka_bootstrap, topic=f"test.helpers.{new_run()}")
    worker = Worker(settings, settings.topic)
    try:
        async with working(worker), engine_on(settings.db_url) as engine:
            assert worker.started.is_set()
            async with engine.connect() as conn:
                assert await conn.scalar(text("select count(*) from outbox")) == 0
        assert worker.stopping.is_set()
    finally:
        await drop_topic(kafka_bootstrap, settings.topic)


async def test_a_worker_that_never_starts_fails_the_block_and_is_stopped(
    infrastructure: None,
) -> None:
    worker = Worker(await _on_a_fresh_database("127.0.0.1:1"), "test.helpers.never")
    entered = False
    with pytest.raises(TimeoutError):
        async with working(worker, start_timeout_s=1.0):
            entered = True
    assert not entered
    assert worker.stopping.is_set()
    assert not worker.started.is_set()


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


def test_a_set_clock_answers_the_time_it_was_last_set_to() -> None:
    start = datetime(2026, 12, 2, 10, tzinfo=UTC)
    clock = SetClock(start)
    assert clock() == start
    clock.now += timedelta(hours=1)
    assert clock() == start + timedelta(hours=1)


def test_outcome_codes_are_read_from_an_operation_outcome_and_nothing_else() -> None:
    issues = [{"severity": "error", "code": "invalid"}, {"severity": "error", "code": "value"}]
    outcome = {"resourceType": "OperationOutcome", "issue": issues}
    assert outcome_codes(httpx.Response(400, json=outcome)) == ["invalid", "value"]
    with pytest.raises(AssertionError, match="Bundle"):
        outcome_codes(httpx.Response(200, json={"resourceType": "Bundle"}))


def test_a_token_is_minted_once_per_issuer_and_claims(tmp_path: Path) -> None:
    issuer, other = DevIssuer(tmp_path / "one"), DevIssuer(tmp_path / "two")
    gp = minted(issuer, "gp", organisation="A81001")
    assert minted(issuer, "gp", organisation="A81001") == gp
    assert minted(issuer, "gp", organisation="A81002") != gp
    assert minted(other, "gp", organisation="A81001") != gp
