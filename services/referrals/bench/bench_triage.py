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
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_devstack.kafka import kafka_bootstrap
from carecoord_devstack.testing import create_fresh_database, nhs_numbers_in_test_range, serving
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


_WORKLIST = {"code": "triage", "status": "ready", "_sort": "due", "_count": "20"}
_ACCEPT = {
    "resourceType": "Parameters",
    "parameter": [{"name": "outcome", "valueCode": "accepted"}],
}


@dataclass
class _Calls:
    """The three calls measured, against one running app with `patients` registered."""

    client: httpx.AsyncClient
    gp: dict[str, str]
    triager: dict[str, str]
    patients: list[str]
    service: str = ""
    ids: list[str] = field(default_factory=list)

    async def submit(self, n: int) -> int:
        body = _request(self.patients[n], self.service, n)
        answer = await self.client.post("/fhir/ServiceRequest", headers=self.gp, json=body)
        self.ids.append(answer.json().get("id", ""))
        return answer.status_code

    async def triage(self, n: int) -> int:
        url = f"/fhir/ServiceRequest/{self.ids[n]}/$triage"
        return (await self.client.post(url, headers=self.triager, json=_ACCEPT)).status_code

    async def worklist(self, _n: int) -> int:
        params = {"owner": self.service, **_WORKLIST}
        return (
            await self.client.get("/fhir/Task", headers=self.triager, params=params)
        ).status_code


def _settings(issuer: DevIssuer, database_url: str) -> ReferralsSettings:
    return ReferralsSettings(
        environment="test",
        database_url=database_url,
        auth_jwks_url=issuer.jwks_url,
        kafka_bootstrap_servers=kafka_bootstrap(),
        log_level="WARNING",
    )


def _admin(issuer: DevIssuer) -> dict[str, str]:
    """A directory administrator (only they write the directory)."""
    scopes = "user/HealthcareService.cruds"
    token = issuer.mint("admin", organisation="Y0T900", scopes=scopes)
    return {"Authorization": f"Bearer {token}", **FHIR}


@asynccontextmanager
async def _running(count: int) -> AsyncIterator[tuple[_Calls, AsyncEngine]]:
    """The app on a fresh database, `count` patients registered at the practice and one
    service in the directory."""
    issuer = DevIssuer(Path(tempfile.mkdtemp(prefix="bench-issuer-")))
    url = await create_fresh_database("referrals")
    app = create_app(_settings(issuer, url))
    gp = {"Authorization": f"Bearer {issuer.mint('gp', organisation='A81001')}", **FHIR}
    triager = {
        "Authorization": f"Bearer {issuer.mint('triage-clinician', organisation='Y0T001')}",
        **FHIR,
    }
    engine = create_engine(url, pool_size=2)
    async with serving(app, "http://referrals") as client:
        calls = _Calls(client, gp, triager, _nhs_numbers(count))
        async with engine.begin() as conn:
            for nhs in calls.patients:
                await access.grant(conn, nhs, "organisation", "A81001", "registered-practice")
        service = {
            "resourceType": "HealthcareService",
            "active": True,
            "name": "Bench service",
            "providedBy": {"identifier": {"system": ODS, "value": "Y0T001"}},
        }
        made = await client.post("/fhir/HealthcareService", headers=_admin(issuer), json=service)
        calls.service = f"HealthcareService/{made.json()['id']}"
        yield calls, engine
    await engine.dispose()


async def main(count: int, concurrency: int) -> None:
    async with _running(count) as (calls, engine):
        print(
            f"submit ServiceRequest, concurrency {concurrency}: "
            f"{await _timed(count, concurrency, calls.submit)}"
        )
        # A live database has planner statistics (autovacuum); a fresh one loaded in
        # seconds has none yet, and then plans the worklist ten times slower.
        async with engine.connect() as conn:
            await conn.execute(text("analyze"))
            await conn.commit()
        print(
            f"provider worklist (Task search, 20 of {count} by due date), concurrency "
            f"{concurrency}: {await _timed(count, concurrency, calls.worklist)}"
        )
        print(
            f"$triage accepted, concurrency {concurrency}: "
            f"{await _timed(count, concurrency, calls.triage)}"
        )


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:3]]
    asyncio.run(main(*(arguments + [500, 16][len(arguments) :])))
