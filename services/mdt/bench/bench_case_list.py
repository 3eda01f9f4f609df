"""Case-list assembly with 30 cases: how long `$assemble-case-list` takes.

Run by `make bench` (or alone: `.venv/bin/python services/mdt/bench/bench_case_list.py`
with the local PostgreSQL up). It builds an mdt app in this process on a fresh
database (through its ASGI interface, so the figure is the service's own work: token
check, membership check, row locks, ordering, checklist per case, Task and List
writes, audit), lists 30 patients by nomination, then times the first assembly
(which also overflows nothing and creates the List) and repeated re-assemblies.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_devstack.bench import machine
from carecoord_devstack.demo_data.people import demo_nhs_numbers
from carecoord_devstack.testing import create_fresh_database, serving
from carecoord_shared.db import create_engine
from carecoord_shared.security import access
from carecoord_shared.security.dev_issuer import DevIssuer
from mdt.main import create_app
from mdt.settings import MdtSettings

NHS = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
SDS = "https://fhir.nhs.uk/Id/sds-user-id"
MEMBERSHIP = "https://fhir.carecoord.example/CodeSystem/mdt-membership"
PRACTICE = "A81001"


def team() -> dict[str, Any]:
    return {
        "resourceType": "CareTeam",
        "status": "active",
        "category": [
            {
                "coding": [
                    {
                        "system": "https://fhir.carecoord.example/CodeSystem/mdt",
                        "code": "mdt-locality",
                    }
                ]
            }
        ],
        "managingOrganization": [{"identifier": {"system": ODS, "value": PRACTICE}}],
        "participant": [
            {
                "member": {"identifier": {"system": SDS, "value": "bench-chair"}},
                "role": [
                    {"coding": [{"system": MEMBERSHIP, "code": c} for c in ("core", "chair")]}
                ],
            }
        ],
    }


def parameters(*items: tuple[str, str, Any]) -> dict[str, Any]:
    return {"resourceType": "Parameters", "parameter": [{"name": n, k: v} for n, k, v in items]}


async def _book_meeting(client: httpx.AsyncClient, headers: dict[str, str]) -> tuple[str, str]:
    """A team (the bench user chairs it) and one meeting a week from now: their ids."""
    mdt_id = (await client.post("/fhir/CareTeam", json=team(), headers=headers)).json()["id"]
    start = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    booked = await client.post(
        f"/fhir/CareTeam/{mdt_id}/$schedule-meetings",
        json=parameters(
            ("start", "valueDateTime", start), ("durationMinutes", "valueInteger", 120)
        ),
        headers=headers,
    )
    meeting: str = booked.json()["entry"][0]["resource"]["id"]
    return mdt_id, meeting


async def _nominate(
    client: httpx.AsyncClient, engine: AsyncEngine, headers: dict[str, str], mdt_id: str, nhs: str
) -> None:
    async with engine.begin() as conn:
        await access.grant(conn, nhs, "organisation", PRACTICE, "registered-practice")
    nominated = await client.post(
        f"/fhir/CareTeam/{mdt_id}/$nominate",
        json=parameters(
            ("patient", "valueIdentifier", {"system": NHS, "value": nhs}),
            ("reason", "valueString", "Frailty review"),
            ("question", "valueString", "Intermediate care?"),
        ),
        headers=headers,
    )
    assert nominated.status_code == 201, nominated.text


async def _time_assembly(
    client: httpx.AsyncClient, meeting: str, cases: int, repeats: int
) -> list[float]:
    timings = []
    for _ in range(repeats):
        began = time.perf_counter()
        assembled = await client.post(f"/fhir/Appointment/{meeting}/$assemble-case-list")
        timings.append((time.perf_counter() - began) * 1000)  # no input: no body at all
        assert assembled.status_code == 200, assembled.text
        assert len(assembled.json()["entry"]) == cases
    return timings


def _print(cases: int, timings: list[float]) -> None:
    later = sorted(timings[1:]) or timings
    print(f"mdt case-list assembly, {cases} cases, app in-process over ASGI ({machine()})")
    print(f"  first assembly (assigns every case, creates the List): {timings[0]:.1f} ms")
    print(
        f"  re-assembly x{len(later)}: median {statistics.median(later):.1f} ms, "
        f"p95 {later[int(0.95 * (len(later) - 1))]:.1f} ms, max {later[-1]:.1f} ms"
    )


async def run(cases: int, repeats: int) -> None:
    issuer = DevIssuer(Path(tempfile.mkdtemp(prefix="mdt-bench-")))
    settings = MdtSettings(
        environment="test",
        database_url=await create_fresh_database("mdt_bench"),
        auth_jwks_url=issuer.jwks_url,
        log_level="WARNING",
    )
    app = create_app(settings)
    token = issuer.mint("gp", organisation=PRACTICE, user="bench-chair")
    authorised = {"Authorization": f"Bearer {token}"}
    headers = {**authorised, "Content-Type": "application/fhir+json"}
    engine = create_engine(settings.db_url, pool_size=1)
    async with serving(app, "http://mdt", headers=authorised) as client:
        mdt_id, meeting = await _book_meeting(client, headers)
        # A fixed seed, so every run lists the same synthetic patients (not security).
        for nhs in demo_nhs_numbers(cases, random.Random(6)):  # noqa: S311
            await _nominate(client, engine, headers, mdt_id, nhs)
        timings = await _time_assembly(client, meeting, cases, repeats)
    await engine.dispose()
    _print(cases, timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(run(arguments.cases, arguments.repeats))


if __name__ == "__main__":
    main()
