"""The HTTP rows of the speed table, measured on the running stack's referrals API.

A GP of the patient's own practice (token check, relationship check in SQL,
AuditEvent and outbox in the same transaction as the write): A&G submissions spread
over the demo patients at concurrency 16 (one patient's writes are serialised by
design, to keep their events in order), plain Communication creates (a message with
no request: resource, index rows, audit and outbox only) at concurrency 16, and reads
of one request by id at concurrency 32; then, for reference, the same API's liveness
probe under the same load (no token, SQL or audit: the ceiling of the HTTP stack and
the load generator on these cores). Each phase says where its CPU went
(`bench_budget`). With a profile folder, py-spy records the referrals API during each
phase.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson

from carecoord_devstack.bench_budget import CpuSample, CpuShare
from carecoord_devstack.bench_profile import Spy
from carecoord_devstack.bench_runs import cpu_seconds
from carecoord_devstack.bench_table import Figure, Row, filled
from carecoord_devstack.demo_data.people import DemoPatient, patients
from carecoord_devstack.loadgen import LoadResult, http_request, run_load
from carecoord_devstack.stack_services import replicas
from carecoord_devstack.status import read_state
from carecoord_devstack.tokens import dev_issuer_folder
from carecoord_shared.security.dev_issuer import DevIssuer

__all__ = ["a_request", "api_pid", "figure", "http_rows"]

NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"


def a_request(nhs_number: str, practice: str, n: int) -> dict[str, object]:
    """An A&G request to diabetic medicine, routed by specialty and the practice's locality
    (UBRN, triage Task and working-day due date assigned by the service)."""
    return {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "proposal",
        "category": [
            {
                "coding": [
                    {
                        "system": "https://carecoord.example/request-category",
                        "code": "advice-and-guidance",
                        "display": "Advice and guidance",
                    }
                ]
            }
        ],
        "priority": "routine",
        "code": {"text": "Advice: raised HbA1c despite metformin"},
        "performerType": {
            "coding": [
                {
                    "system": "http://snomed.info/sct",
                    "code": "408475000",
                    "display": "Diabetic medicine",
                }
            ]
        },
        "subject": {"identifier": {"system": NHS_NUMBER, "value": nhs_number}},
        "requester": {
            "identifier": {
                "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                "value": practice,
            }
        },
        "note": [{"text": f"Benchmark request {n}"}],
    }


def a_message(nhs_number: str, n: int) -> dict[str, object]:
    """A small Communication about the patient, based on no request (a plain create)."""
    return {
        "resourceType": "Communication",
        "status": "completed",
        "subject": {"identifier": {"system": NHS_NUMBER, "value": nhs_number}},
        "payload": [{"contentString": f"Benchmark message {n}"}],
    }


def api_pid(service: str) -> int | None:
    """The first API process of `service` as the supervisor recorded it."""
    names = {r.name for r in replicas(worker=False) if r.service.name == service}
    for component in (read_state() or {}).get("components", []):
        if component.get("name") in names and isinstance(component.get("pid"), int):
            return int(component["pid"])
    return None


def figure(result: LoadResult, note: str) -> Figure:
    """Rate and latency of a load phase; requests that did not succeed are named."""
    failed = sum(n for status, n in result.statuses.items() if status >= 300)
    failures = f", {failed:,} of {len(result.latencies_s):,} not 2xx" if failed else ""
    median = result.percentile_ms(50) if result.latencies_s else None
    p99 = result.percentile_ms(99) if result.latencies_s else None
    return Figure(rate=result.rate, p50_ms=median, p99_ms=p99, note=note + failures)


async def _registered(url: str, body: bytes, headers: dict[str, str], wait_s: float = 60) -> bool:
    """Wait until the care plans register's event has given the GP's practice access to
    the demo patient in referrals (right after the demo load it is still on its way)."""
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(int(wait_s * 4)):
            if (await client.post(url, content=body, headers=headers)).status_code != 403:
                return True
            await asyncio.sleep(0.25)
    return False


class _Phases:
    """The load phases against one API, each profiled when asked."""

    def __init__(self, seconds: float, profile_dir: Path | None) -> None:
        self.seconds, self.profile_dir = seconds, profile_dir
        issuer = DevIssuer(dev_issuer_folder())
        self.people = patients()
        self.gp = {
            p.practice.ods: {
                "Authorization": "Bearer "
                + issuer.mint("gp", organisation=p.practice.ods, user="555000000001"),
                "Content-Type": "application/fhir+json",
            }
            for p in self.people
        }

    def headers(self, person: DemoPatient) -> dict[str, str]:
        return self.gp[person.practice.ods]

    async def run(
        self, key: str, url: str, make: Callable[[int], bytes], concurrency: int, note: str
    ) -> Row:
        pid = api_pid("referrals")
        spy = None
        if self.profile_dir is not None and pid is not None:
            spy = Spy(pid, self.profile_dir / f"{key}.txt", self.seconds)
        before = CpuSample.now(cpu_seconds(pid))
        result = await run_load(url, make, concurrency=concurrency, seconds=self.seconds)
        after = CpuSample.now(cpu_seconds(pid))
        frames = spy.stop() if spy else []
        share = CpuShare.between(before, after, len(result.latencies_s))
        if share is not None:
            note += ", " + share.text(os.cpu_count() or 1)
        print(f"  {key} {url}, concurrency {concurrency}: {result.summary()}{note}", flush=True)
        return filled(key, figure(result, f"HTTP, concurrency {concurrency}{note}"), "", frames)


async def http_rows(base: str, seconds: float, profile_dir: Path | None) -> list[Row]:
    """The submission, plain create and read rows (rows without figures say why)."""
    print(f"\n== FHIR REST on referrals at {base} (GP token, audited, relationship-checked)")
    phases = _Phases(seconds, profile_dir)
    people, url = phases.people, f"{base}/fhir/ServiceRequest"
    first = people[0]
    for person in (first, people[-1]):
        body = orjson.dumps(a_request(person.nhs_number, person.practice.ods, 0))
        if not await _registered(url, body, phases.headers(person)):
            problem = "the demo patients' registrations never reached referrals"
            return [filled(key, None, problem) for key in ("submit", "create", "read", "ceiling")]

    def submit(n: int) -> bytes:
        person = people[n % len(people)]
        body = orjson.dumps(a_request(person.nhs_number, person.practice.ods, n))
        return http_request("POST", url, phases.headers(person), body)

    def message(n: int) -> bytes:
        person = people[n % len(people)]
        body = orjson.dumps(a_message(person.nhs_number, n))
        return http_request("POST", f"{base}/fhir/Communication", phases.headers(person), body)

    rows = [await phases.run("submit", url, submit, 16, ", demo patients")]
    rows.append(await phases.run("create", f"{base}/fhir/Communication", message, 16, ""))
    async with httpx.AsyncClient(timeout=10) as client:
        body = orjson.dumps(a_request(first.nhs_number, first.practice.ods, 0))
        answer = await client.post(url, content=body, headers=phases.headers(first))
    if answer.status_code != 201:
        problem = f"could not create the request to read: {answer.status_code}"
        return [*rows, filled("read", None, problem)]
    read = http_request("GET", f"{url}/{answer.json()['id']}", phases.headers(first))
    rows.append(await phases.run("read", f"{url}/{answer.json()['id']}", lambda _n: read, 32, ""))
    probe = http_request("GET", f"{base}/healthz", {})
    rows.append(await phases.run("ceiling", f"{base}/healthz", lambda _n: probe, 32, ""))
    return rows
