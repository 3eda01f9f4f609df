"""Submission, `$triage` and provider-worklist figures for the referrals service, in process.

`make bench` runs this beside its own HTTP figures. Each `$triage` locks the request,
moves the Task, records the transition, updates the request and writes the triage
event, in one transaction; each submission assigns a UBRN, routes, creates the Task and
writes two events. The real app runs through ASGI on a fresh database on the local
PostgreSQL, so the figures exclude the network and uvicorn. Run:
`.venv/bin/python services/referrals/bench/bench_triage.py [requests] [concurrency]`.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from sqlalchemy import text

from carecoord_devstack.kafka import kafka_bootstrap
from carecoord_devstack.testing import create_fresh_database, nhs_numbers_in_test_range
from carecoord_shared.db import create_engine
from carecoord_shared.security import access
from carecoord_shared.security.dev_issuer import DevIssuer
from referrals.main import create_app
from referrals.settings import ReferralsSettings

NHS = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
LOCAL = "https://carecoord.example"
FHIR = {"Content-Type": "application/fhir+json"}


def _nhs_numbers(count: int) -> list[str]:
    return nhs_numbers_in_test_range(count, 800000)


def _request(nhs: str, service: str, n: int) -> dict[str, object]:
    return {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "category": [
            {"coding": [{"system": f"{LOCAL}/request-category", "code": "advice-and-guidance"}]}
        ],
        "priority": "urgent" if n % 5 == 0 else "routine",
        "subject": {"identifier": {"system": NHS, "value": nhs}},
        "requester": {"identifier": {"system": ODS, "value": "A81001"}},
        "performer": [{"reference": service}],
    }


async def _timed(count: int, concurrency: int, call: Callable[[int], Awaitable[int]]) -> str:
    latencies: list[float] = []
    failures = 0
    gate = asyncio.Semaphore(concurrency)

    async def one(n: int) -> None:
        nonlocal failures
        async with gate:
            started = time.perf_counter()
            status = await call(n)
            latencies.append(time.perf_counter() - started)
            failures += status >= 300

    began = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(count)))
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return (
        f"{count / elapsed:,.0f} req/s, p50 {cuts[49] * 1000:.1f} ms, "
        f"p99 {cuts[98] * 1000:.1f} ms, failures {failures}"
    )


async def main(count: int, concurrency: int) -> None:
    issuer = DevIssuer(Path(tempfile.mkdtemp(prefix="bench-issuer-")))
    url = await create_fresh_database("referrals")
    settings = ReferralsSettings(
        environment="test",
        database_url=url,
        auth_jwks_url=issuer.jwks_url,
        kafka_bootstrap_servers=kafka_bootstrap(),
        log_level="WARNING",
    )
    app = create_app(settings)
    gp = {"Authorization": f"Bearer {issuer.mint('gp', organisation='A81001')}", **FHIR}
    triager = {
        "Authorization": f"Bearer {issuer.mint('triage-clinician', organisation='Y0T001')}",
        **FHIR,
    }
    patients = _nhs_numbers(count)
    engine = create_engine(url, pool_size=2)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://referrals"
        ) as client,
    ):
        async with engine.begin() as conn:
            for nhs in patients:
                await access.grant(conn, nhs, "organisation", "A81001", "registered-practice")
        service = (
            await client.post(
                "/fhir/HealthcareService",
                headers=gp,
                json={
                    "resourceType": "HealthcareService",
                    "active": True,
                    "name": "Bench service",
                    "providedBy": {"identifier": {"system": ODS, "value": "Y0T001"}},
                },
            )
        ).json()
        reference = f"HealthcareService/{service['id']}"
        ids: list[str] = []

        async def submit(n: int) -> int:
            answer = await client.post(
                "/fhir/ServiceRequest", headers=gp, json=_request(patients[n], reference, n)
            )
            ids.append(answer.json().get("id", ""))
            return answer.status_code

        async def triage(n: int) -> int:
            body = {
                "resourceType": "Parameters",
                "parameter": [{"name": "outcome", "valueCode": "accepted"}],
            }
            answer = await client.post(
                f"/fhir/ServiceRequest/{ids[n]}/$triage", headers=triager, json=body
            )
            return answer.status_code

        async def worklist(_n: int) -> int:
            answer = await client.get(
                "/fhir/Task",
                headers=triager,
                params={
                    "owner": reference,
                    "code": "triage",
                    "status": "ready",
                    "_sort": "due",
                    "_count": "20",
                },
            )
            return answer.status_code

        print(
            f"submit ServiceRequest, concurrency {concurrency}: "
            f"{await _timed(count, concurrency, submit)}"
        )
        # A live database has planner statistics (autovacuum); a fresh one loaded in
        # seconds has none yet, and then plans the worklist ten times slower.
        async with engine.connect() as conn:
            await conn.execute(text("analyze"))
            await conn.commit()
        print(
            f"provider worklist (Task search, 20 of {count} by due date), concurrency "
            f"{concurrency}: {await _timed(count, concurrency, worklist)}"
        )
        print(
            f"$triage accepted, concurrency {concurrency}: "
            f"{await _timed(count, concurrency, triage)}"
        )
    await engine.dispose()


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:3]]
    asyncio.run(main(*(arguments + [500, 16][len(arguments) :])))
