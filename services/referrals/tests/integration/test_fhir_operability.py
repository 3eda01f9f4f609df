"""What operators rely on: liveness, readiness against the real PostgreSQL and Kafka,
Prometheus metrics by route, and a correlation id on every answer."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from services.referrals.tests.conftest import Referrals, SettingsFactory, running_referrals


async def test_healthz_says_the_process_is_up(referrals: Referrals) -> None:
    response = await referrals.client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_when_the_database_and_kafka_answer(referrals: Referrals) -> None:
    response = await referrals.client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["checks"]) == ("ready", {"database": True, "kafka": True})
    assert set(body["outbox"]) == {"pending", "oldestSeconds"}


async def test_readyz_is_degraded_but_ready_when_kafka_does_not_answer(
    referrals: Referrals, referrals_settings_factory: SettingsFactory
) -> None:
    settings = referrals_settings_factory(
        referrals.database_url, kafka_bootstrap_servers="127.0.0.1:1"
    )

    async with running_referrals(settings) as client:
        response = await client.get("/readyz")

    # Writes still commit to the outbox, which the relay drains when Kafka is back.
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"] == {"database": True, "kafka": False}


def _requests_total(text: str, route: str, status: str) -> float:
    for family in text_string_to_metric_families(text):
        if family.name != "http_requests":
            continue
        for sample in family.samples:
            labels = sample.labels
            if (
                sample.name == "http_requests_total"
                and labels.get("route") == route
                and labels.get("status") == status
                and labels.get("method") == "GET"
            ):
                return float(sample.value)
    return 0.0


async def test_metrics_count_http_requests_by_route_template_and_status(
    referrals: Referrals,
) -> None:
    before = (await referrals.client.get("/metrics")).text

    for _ in range(3):
        await referrals.client.get("/fhir/Organization", headers=referrals.auth())
    await referrals.client.get("/fhir/Organization/nope", headers=referrals.auth())

    after = await referrals.client.get("/metrics")
    assert after.status_code == 200
    assert "http_requests_total" in after.text
    search = "/fhir/{resource_type}"
    read = "/fhir/{resource_type}/{resource_id}"
    assert _requests_total(after.text, search, "200") - _requests_total(before, search, "200") == 3
    assert _requests_total(after.text, read, "404") - _requests_total(before, read, "404") == 1


async def test_every_answer_carries_a_correlation_id(referrals: Referrals) -> None:
    supplied = await referrals.client.get(
        "/fhir/Organization/nope",
        headers={**referrals.auth(), "X-Correlation-ID": "gp-system-0001"},
    )
    unsafe = await referrals.client.get("/healthz", headers={"X-Correlation-ID": "bad id; x"})
    none = await referrals.client.get("/fhir/metadata")

    assert supplied.headers["X-Correlation-ID"] == "gp-system-0001"
    assert unsafe.headers["X-Correlation-ID"] != "bad id; x"
    assert len(none.headers["X-Correlation-ID"]) >= 8
