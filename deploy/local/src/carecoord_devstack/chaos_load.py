"""The load a chaos run (and the catch-up bench) drives: A&G requests answered with advice.

One unit is what a GP and a specialist do together: the GP submits an advice &
guidance request to referrals, the provider's triage clinician answers it with
`$triage` advice-given, and care_plans, on the `referral.triaged` event, adds a
completed Task to the patient's care plan. That effect crosses every moving part
(API, outbox, relay, Kafka, consumer, inbox), so losing, doubling or reordering it
is what a fault could do and what the run checks. The population (a provider's
service, patients on the register, a comprehensive care plan each) is made through
the APIs like any client's data. The driver behaves as a good client: one patient's
units one after another (their order is what care plans must keep), 503s waited out
for `Retry-After`, a submission made idempotent by a unit identifier (If-None-Exist),
and every answer kept with its time so the run can say what clients saw when.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from care_plans.domain.codes import COMPREHENSIVE
from care_plans.fhir.vocabulary import PLAN_KIND_SYSTEM
from carecoord_devstack.testing import nhs_numbers_in_test_range
from carecoord_shared.fhir.operation_definition import CANONICAL_ROOT
from carecoord_shared.security.dev_issuer import DevIssuer
from referrals.domain.vocabulary import ADVICE_AND_GUIDANCE, REQUEST_CATEGORY

__all__ = ["Answer", "Driver", "Person", "Population", "Tokens", "Unit", "make_population"]

NHS = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
UNIT_SYSTEM = f"{CANONICAL_ROOT}/Id/chaos-unit"  # the client's own key for a unit
PROVIDER = "Y0T001"  # the trust whose triage clinicians answer
PRACTICES = ("Y01001", "Y01002", "Y02001", "Y03001")
FHIR_JSON = {"Content-Type": "application/fhir+json"}
MAX_WAIT_S = 5.0  # longest Retry-After honoured (the services say 5)


@dataclass(frozen=True, slots=True)
class Person:
    nhs: str
    practice: str


@dataclass(frozen=True, slots=True)
class Population:
    people: tuple[Person, ...]
    service: str  # the provider's HealthcareService reference


@dataclass(slots=True)
class Unit:
    number: int
    person: Person
    request_id: str | None = None
    acknowledged: bool = False  # the client saw the triage succeed
    ambiguous: bool = False  # an attempt may have committed without an answer
    failed: str | None = None  # why the client gave up on it


@dataclass(frozen=True, slots=True)
class Answer:
    at: float  # wall clock (time.time), comparable with the databases' timestamps
    what: str  # "submit" or "triage"
    status: int  # 0: no HTTP answer (connection failed)
    retry_after: bool
    url: str


class Tokens:
    """Bearer tokens minted once per (role, organisation) from the stack's dev issuer."""

    def __init__(self, issuer: DevIssuer) -> None:
        self._issuer = issuer
        self._minted: dict[tuple[str, str | None], str] = {}

    def header(self, role: str, organisation: str | None = None) -> dict[str, str]:
        key = (role, organisation)
        if key not in self._minted:
            user = "555000000101" if role != "system" else "carecoord-chaos"
            self._minted[key] = self._issuer.mint(
                role,  # type: ignore[arg-type]
                organisation=organisation,
                user=user,
                lifetime_s=6 * 3600,
            )
        return {"Authorization": f"Bearer {self._minted[key]}", **FHIR_JSON}


def _patient(person: Person) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": NHS, "value": person.nhs}],
        "name": [{"family": "Chaos", "given": ["Pat"]}],
        "generalPractitioner": [{"identifier": {"system": ODS, "value": person.practice}}],
    }


def _care_plan(person: Person) -> dict[str, Any]:
    return {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "title": "My care and support plan",
        "category": [{"coding": [{"system": PLAN_KIND_SYSTEM, "code": COMPREHENSIVE}]}],
        "subject": {"identifier": {"system": NHS, "value": person.nhs}},
        "period": {"start": "2026-01-05"},
    }


async def _created(
    client: httpx.AsyncClient, url: str, body: dict[str, Any], auth: dict[str, str]
) -> str | None:
    """Create; the id, or None when it was there already (409: one active plan each)."""
    answer = await client.post(url, json=body, headers=auth)
    if answer.status_code == 409:
        return None
    if answer.status_code not in (200, 201):
        raise RuntimeError(f"POST {url} answered {answer.status_code}: {answer.text[:300]}")
    return str(answer.json()["id"])


async def make_population(
    urls: dict[str, str], tokens: Tokens, count: int, first: int = 700_000
) -> Population:
    """A provider's service in referrals; `count` patients on the register in care_plans,
    each with a comprehensive care plan made by their GP (their registration reaches
    referrals by event: the caller waits for it, `checks.registered`)."""
    people = tuple(
        Person(nhs, PRACTICES[n % len(PRACTICES)])
        for n, nhs in enumerate(nhs_numbers_in_test_range(count, first))
    )
    service = {
        "resourceType": "HealthcareService",
        "active": True,
        "name": "Diabetes advice and guidance (chaos run)",
        "providedBy": {"identifier": {"system": ODS, "value": PROVIDER}},
    }
    gate = asyncio.Semaphore(8)
    async with httpx.AsyncClient(timeout=60) as client:
        service_id = await _created(
            client, f"{urls['referrals']}/fhir/HealthcareService", service, tokens.header("system")
        )

        async def register(person: Person) -> None:
            async with gate:
                base = f"{urls['care_plans']}/fhir"
                known = {"If-None-Exist": f"identifier={NHS}|{person.nhs}"}
                system = tokens.header("system") | known
                await _created(client, f"{base}/Patient", _patient(person), system)
                gp = tokens.header("gp", person.practice)
                await _created(client, f"{base}/CarePlan", _care_plan(person), gp)

        await asyncio.gather(*(register(person) for person in people))
    if service_id is None:
        raise RuntimeError("the provider's HealthcareService was refused as a conflict")
    return Population(people, f"HealthcareService/{service_id}")


def _request(unit: Unit, service: str, run: str) -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "identifier": [{"system": UNIT_SYSTEM, "value": f"{run}-{unit.number}"}],
        "category": [{"coding": [{"system": REQUEST_CATEGORY, "code": ADVICE_AND_GUIDANCE}]}],
        "priority": "routine",
        "subject": {"identifier": {"system": NHS, "value": unit.person.nhs}},
        "requester": {"identifier": {"system": ODS, "value": unit.person.practice}},
        "performer": [{"reference": service}],
        "note": [{"text": f"Chaos unit {unit.number}"}],
    }


ADVICE = {
    "resourceType": "Parameters",
    "parameter": [{"name": "outcome", "valueCode": "advice-given"}],
}


@dataclass
class Driver:
    """Drives units through the referrals APIs (replicas in turn) at a steady pace."""

    referrals: Sequence[str]  # base URLs of the referrals API replicas
    tokens: Tokens
    population: Population
    run: str
    units: list[Unit] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    _turn: itertools.count[int] = field(default_factory=itertools.count)

    def _base(self) -> str:
        return self.referrals[next(self._turn) % len(self.referrals)]

    async def _call(
        self, client: httpx.AsyncClient, what: str, path: str, body: dict[str, Any], auth: Any
    ) -> tuple[httpx.Response | None, int]:
        """POST until a final answer: a 503 waits for its Retry-After, a lost connection
        is tried again on the next replica. Returns the answer (None after an hour of
        trying) and how many attempts went unanswered or were refused for a while."""
        deadline, retried = time.monotonic() + 3600, 0
        while time.monotonic() < deadline:
            url = self._base() + path
            try:
                answer = await client.post(url, json=body, headers=auth)
            except httpx.HTTPError:
                self.answers.append(Answer(time.time(), what, 0, False, url))
                retried += 1
                await asyncio.sleep(0.5)
                continue
            retry_after = answer.headers.get("Retry-After")
            status = answer.status_code
            self.answers.append(Answer(time.time(), what, status, bool(retry_after), url))
            if answer.status_code != 503:
                return answer, retried
            retried += 1
            wait = float(retry_after) if retry_after and retry_after.isdigit() else 1.0
            await asyncio.sleep(min(MAX_WAIT_S, wait))
        return None, retried

    async def _unit(self, client: httpx.AsyncClient, unit: Unit) -> None:
        gp = self.tokens.header("gp", unit.person.practice)
        criteria = {"If-None-Exist": f"identifier={UNIT_SYSTEM}|{self.run}-{unit.number}"}
        body = _request(unit, self.population.service, self.run)
        submitted, _ = await self._call(
            client, "submit", "/fhir/ServiceRequest", body, gp | criteria
        )
        if submitted is None or submitted.status_code not in (200, 201):
            unit.failed = f"submit {submitted.status_code if submitted else 'gave up'}"
            return
        unit.request_id = str(submitted.json()["id"])
        path = f"/fhir/ServiceRequest/{unit.request_id}/$triage"
        triaged, retried = await self._call(
            client, "triage", path, ADVICE, self.tokens.header("triage-clinician", PROVIDER)
        )
        if triaged is not None and triaged.status_code == 200:
            unit.acknowledged = True
        elif triaged is not None and triaged.status_code == 409 and retried:
            unit.acknowledged = unit.ambiguous = True  # an unanswered attempt had committed
        else:
            unit.failed = f"triage {triaged.status_code if triaged else 'gave up'}"

    async def drive(
        self, rate: float, lanes: int, keep_going: asyncio.Event, at_least: int
    ) -> None:
        """Units at `rate` per second over `lanes` concurrent lanes, each lane with its own
        patients; at least `at_least` units, then until `keep_going` is cleared."""
        numbers = itertools.count(1)
        began = time.monotonic()
        people = self.population.people

        async def lane(index: int) -> None:
            mine = itertools.cycle(people[index::lanes])
            async with httpx.AsyncClient(timeout=30) as client:
                while True:
                    number = next(numbers)
                    if number > at_least and not keep_going.is_set():
                        return
                    await asyncio.sleep(max(0.0, began + number / rate - time.monotonic()))
                    unit = Unit(number, next(mine))
                    self.units.append(unit)
                    await self._unit(client, unit)

        await asyncio.gather(*(lane(i) for i in range(min(lanes, len(people)))))
