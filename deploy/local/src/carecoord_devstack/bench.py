"""`make bench`: the figures the issues ask for, measured against the running stack.

Starts the local stack (detached, with demo data) if it is not already up, then:
FHIR read-by-id at concurrency 32 and create at concurrency 16 on the referrals
service (a GP reading and writing their own patient's requests: token check,
relationship check in SQL, AuditEvent and outbox in the same transaction), the event
kernel's outbox-to-consumer latency at a steady rate, and each service's own
benchmark script (`services/*/bench/*.py`), and how fast care_plans catches up on the
referrals path after its consumer stood still (`catchup`). Every figure is printed with
the machine it ran on. Speed targets live here, never in timed unit tests. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import urllib.request
from pathlib import Path

import httpx
import orjson

from carecoord_devstack import catchup, stack
from carecoord_devstack.demo_data.people import patients
from carecoord_devstack.loadgen import http_request, run_load
from carecoord_devstack.paths import repo_root
from carecoord_devstack.tokens import dev_issuer_folder
from carecoord_shared.security.dev_issuer import DevIssuer

NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {memory:.1f} GiB RAM, "
        f"Python {platform.python_version()}, everything co-located (services, PostgreSQL, "
        "Kafka, load generator)"
    )


def _ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/readyz", timeout=2) as answer:  # noqa: S310 - loopback
            return bool(answer.status == 200)
    except OSError:
        return False


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


async def _registered(url: str, body: bytes, headers: dict[str, str], wait_s: float = 60) -> bool:
    """Wait until the care plans register's event has given the GP's practice access to
    the demo patient in referrals (right after the demo load it is still on its way)."""
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(int(wait_s * 4)):
            if (await client.post(url, content=body, headers=headers)).status_code != 403:
                return True
            await asyncio.sleep(0.25)
    return False


async def fhir_figures(base: str, seconds: float) -> None:
    """Creates spread over the demo patients, each by a GP of the patient's own practice
    (one patient's writes are serialised by design, to keep their events in order);
    reads of one request by its practice's GP."""
    issuer = DevIssuer(dev_issuer_folder())
    people = patients()
    gp = {
        p.practice.ods: {
            "Authorization": "Bearer "
            + issuer.mint("gp", organisation=p.practice.ods, user="555000000001"),
            "Content-Type": "application/fhir+json",
        }
        for p in people
    }
    url = f"{base}/fhir/ServiceRequest"

    def create(n: int) -> bytes:
        person = people[n % len(people)]
        body = orjson.dumps(a_request(person.nhs_number, person.practice.ods, n))
        return http_request("POST", url, gp[person.practice.ods], body)

    first, last = people[0], people[-1]
    for person in (first, last):
        body = orjson.dumps(a_request(person.nhs_number, person.practice.ods, 0))
        if not await _registered(url, body, gp[person.practice.ods]):
            print("  the demo patients' registrations never reached referrals; no figures")
            return
    creates = await run_load(url, create, concurrency=16, seconds=seconds)
    print(f"  create ServiceRequest (A&G submission), concurrency 16: {creates.summary()}")
    headers = gp[first.practice.ods]
    async with httpx.AsyncClient(timeout=10) as client:
        body = orjson.dumps(a_request(first.nhs_number, first.practice.ods, 0))
        answer = await client.post(url, content=body, headers=headers)
    if answer.status_code != 201:
        print(f"  could not create the request to read: {answer.status_code} {answer.text[:300]}")
        return
    read_url = f"{url}/{answer.json()['id']}"
    read = http_request("GET", read_url, headers)
    reads = await run_load(read_url, lambda _n: read, concurrency=32, seconds=seconds)
    print(f"  read ServiceRequest by id, concurrency 32: {reads.summary()}")
    print("  targets: reads >= 3,000 req/s with p99 <= 25 ms; creates >= 500 req/s, p99 <= 100 ms")


def _script(path: Path, *args: str) -> None:
    print(f"\n== {path.relative_to(repo_root())} {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, str(path), *args], check=False, cwd=repo_root())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0, help="per HTTP load phase")
    parser.add_argument("--event-seconds", type=float, default=60.0)
    parser.add_argument("--event-rate", type=float, default=500.0)
    parser.add_argument("--skip-events", action="store_true")
    parser.add_argument("--catch-up-stop", type=float, default=20.0, metavar="S")
    parser.add_argument("--skip-catch-up", action="store_true")
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    referrals = stack.base_urls()["referrals"]
    started_here = not _ready(referrals)
    if started_here and stack.run_detached() != 0:
        print("The stack did not start; see .run/logs/", file=sys.stderr)
        return 1
    try:
        print("\n== FHIR REST on referrals (GP token, audited, relationship-checked)")
        asyncio.run(fhir_figures(referrals, args.seconds))
        benches = sorted(repo_root().glob("services/*/bench/*.py"))
        for path in benches:
            _script(path)
        if not args.skip_events:
            _script(
                repo_root() / "shared/bench/bench_events.py",
                "--seconds",
                str(args.event_seconds),
                "--rate",
                str(args.event_rate),
                "--ramp",
            )
        if not args.skip_catch_up:
            print(f"\n== Catch-up: referrals -> care_plans after a {args.catch_up_stop:g} s stop")
            print("  " + asyncio.run(catchup.measure(args.catch_up_stop)).summary(), flush=True)
    finally:
        if started_here:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
