"""Plan read and update figures for the care plans service, in process.

`make bench` drives the running stack and covers referrals only (deploy/ is not this
service's to change), so this measures what a GP system's two commonest calls cost
here: `GET /fhir/CarePlan/{id}` and `PUT /fhir/CarePlan/{id}` with If-Match (which
also writes a Provenance, an AuditEvent and a `careplan.revised` outbox event).
It runs the real app through ASGI on a fresh database on the local PostgreSQL, so
the figures exclude the network and uvicorn. Run:
`.venv/bin/python services/care_plans/bench/bench_plans.py [requests] [concurrency]`.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

from care_plans.domain.codes import COMPREHENSIVE
from care_plans.fhir.vocabulary import PLAN_KIND_SYSTEM
from care_plans.main import create_app
from care_plans.settings import CarePlansSettings
from carecoord_devstack.kafka import kafka_bootstrap
from carecoord_devstack.testing import (
    create_fresh_database,
    nhs_numbers_in_test_range,
    serving,
    settings_under_test,
)
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.principal import Role

NHS = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"


def _patient(nhs: str) -> dict[str, object]:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": NHS, "value": nhs}],
        "generalPractitioner": [{"identifier": {"system": ODS, "value": "A81001"}}],
    }


def _plan(nhs: str) -> dict[str, object]:
    return {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "category": [{"coding": [{"system": PLAN_KIND_SYSTEM, "code": COMPREHENSIVE}]}],
        "subject": {"identifier": {"system": NHS, "value": nhs}},
        "period": {"start": "2026-01-05"},
    }


def _nhs_numbers(count: int) -> list[str]:
    """`count` valid NHS numbers from the 999 test range."""
    return nhs_numbers_in_test_range(count, 900000)


def _report(name: str, timings: list[float], elapsed: float) -> None:
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"{name}: {len(timings)} requests, {len(timings) / elapsed:.0f}/s, "
        f"p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms"
    )


Plan = dict[str, object]


async def _seed(client: httpx.AsyncClient, issuer: DevIssuer, count: int) -> list[Plan]:
    """`count` registered patients, each with a care plan written by their GP."""
    plans = []
    for nhs in _nhs_numbers(count):
        # The register is kept by a system client (the demographics feed), not by GPs.
        feed = _headers(issuer, "system")
        await client.post("/fhir/Patient", content=orjson.dumps(_patient(nhs)), headers=feed)
        made = await client.post(
            "/fhir/CarePlan", content=orjson.dumps(_plan(nhs)), headers=_headers(issuer, "gp")
        )
        assert made.status_code == 201, made.text
        plans.append(made.json())
    return plans


def _headers(issuer: DevIssuer, role: Role) -> dict[str, str]:
    token = issuer.mint(role, organisation="A81001" if role == "gp" else None)
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"}


async def _read(client: httpx.AsyncClient, plan: Plan, rounds: int, times: list[float]) -> None:
    for _ in range(rounds):
        start = time.perf_counter()
        response = await client.get(f"/fhir/CarePlan/{plan['id']}")
        assert response.status_code == 200
        times.append((time.perf_counter() - start) * 1000)


async def _update(client: httpx.AsyncClient, plan: Plan, rounds: int, times: list[float]) -> None:
    for version in range(1, rounds + 1):
        body = orjson.dumps(plan | {"description": f"revision {version - 1}"})
        start = time.perf_counter()
        response = await client.put(
            f"/fhir/CarePlan/{plan['id']}", content=body, headers={"If-Match": f'W/"{version}"'}
        )
        assert response.status_code == 200, response.text
        times.append((time.perf_counter() - start) * 1000)


async def main(requests: int, concurrency: int) -> None:
    issuer = DevIssuer(Path(tempfile.mkdtemp()))
    settings = settings_under_test(
        CarePlansSettings,
        database_url=await create_fresh_database("bench_care_plans"),
        jwks_url=issuer.jwks_url,
        kafka_bootstrap=kafka_bootstrap(),
    )
    app = create_app(settings)
    async with serving(app, "http://b", headers=_headers(issuer, "gp")) as client:
        plans = await _seed(client, issuer, concurrency)
        rounds = requests // len(plans)
        for name, work in (("read", _read), ("update", _update)):
            times: list[float] = []
            began = time.perf_counter()
            await asyncio.gather(*(work(client, plan, rounds, times) for plan in plans))
            elapsed = time.perf_counter() - began
            _report(f"CarePlan {name} (concurrency {len(plans)})", times, elapsed)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    width = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    asyncio.run(main(count, width))
