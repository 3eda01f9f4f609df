"""The real mdt service beside the staff stack, and an MDT with a meeting and its cases.

The mdt service runs on its own fresh database, trusting the same development issuer
as the OIDC provider the portal signs in with, so the demo MDT member (chair) and GP
reach it with their own tokens through the portal. The MDT is made over mdt's FHIR
API as its co-ordinating system would: a CareTeam (the demo MDT member chairs it; the
demo GP's practice is served), meetings booked by `$schedule-meetings`, patients
registered at the practice (the grant and projection the registration event makes, as
mdt's own tests do), nominated by the GP and the list assembled by the chair.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from carecoord_devstack.testing import create_fresh_database, new_nhs_number
from carecoord_shared.db import create_engine
from carecoord_shared.events import ensure_topics
from carecoord_shared.fhir.definitions import extension_url, system_url
from carecoord_shared.security import access
from mdt.main import create_app as create_mdt
from mdt.settings import MdtSettings
from mdt.worker import build_worker as build_mdt_worker
from portal.config.staff import StaffSettings
from services.portal.tests.staff.conftest import (
    GP,
    NHS,
    ODS,
    PEOPLE,
    PortalUser,
    StaffStack,
    live_worker,
    running,
    sibling_service,
)
from services.portal.tests.web.conftest import free_port

CHAIR = PEOPLE["mdt-member"]
SDS = "https://fhir.nhs.uk/Id/sds-user-id"
MEMBERSHIP = system_url("mdt-membership")
FHIR_JSON = "application/fhir+json"


@dataclass
class MdtWorld:
    stack: StaffStack
    mdt_url: str
    mdt_db: str

    def point(self, mdt_url: str | None = None) -> None:
        """Send the portal's mdt calls to `mdt_url` (a dead port: the mdt service is down)."""
        assert self.stack.portal is not None
        settings = StaffSettings(
            referrals_url=self.stack.referrals_url,
            care_plans_url=self.stack.care_plans_url,
            mdt_url=mdt_url or self.mdt_url,
            service_timeout_s=10,
        )
        self.stack.portal.state.context = SimpleNamespace(settings=settings)

    async def while_down(self, user: PortalUser, path: str, service: str = "mdt") -> httpx.Response:
        """`path` of the portal, read by `user` while `service` (`mdt`, `referrals` or
        `care_plans`) does not answer (a dead port)."""
        self.stack.point_at(**{"mdt": self.mdt_url} | {service: f"http://127.0.0.1:{free_port()}"})
        try:
            return await user.get(path)
        finally:
            self.point()

    def auth(self, role: Any, organisation: str | None, user: str | None) -> dict[str, str]:
        token = self.stack.issuer.mint(role, organisation=organisation, user=user)
        return {"Authorization": f"Bearer {token}", "Content-Type": FHIR_JSON}

    @property
    def chair(self) -> dict[str, str]:
        return self.auth("mdt-member", CHAIR.organisation, CHAIR.subject)

    @property
    def gp(self) -> dict[str, str]:
        return self.auth("gp", GP.organisation, GP.subject)

    async def call(
        self, method: str, path: str, headers: dict[str, str], body: Any = None
    ) -> httpx.Response:
        async with httpx.AsyncClient(base_url=f"{self.mdt_url}/fhir", timeout=20) as client:
            return await client.request(method, path, json=body, headers=headers)


async def _api_topic(world: MdtWorld) -> str:
    """The topic mdt's API writes its events for (each outbox row names it): one case
    listed, before anything watches."""
    team = await make_team(world, "Topic probe")
    (meeting,) = await book(world, team)
    await listed_cases(world, team, meeting, ["Probe"])
    engine = create_engine(world.mdt_db, pool_size=1)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(text("SELECT topic FROM outbox LIMIT 1"))
            return str(found.scalar_one())
    finally:
        await engine.dispose()


def mdt_worker_settings(world: MdtWorld, kafka_bootstrap: str) -> MdtSettings:
    """Settings for mdt's worker beside the running mdt service: its relay publishes to
    the topic the API writes for (made here, before any worker starts, so the relay's
    first publish finds it); the topics it consumes are this run's own."""
    run = uuid.uuid4().hex[:8]
    topic = asyncio.run(_api_topic(world))
    asyncio.run(ensure_topics(kafka_bootstrap, [topic]))
    return MdtSettings(
        environment="test",
        database_url=world.mdt_db,
        auth_jwks_url=world.stack.issuer.jwks_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        public_base_url=world.mdt_url,
        log_level="WARNING",
        topic=topic,
        referrals_topic=f"test.mdtlive-ref.{run}",
        care_plans_topic=f"test.mdtlive-cp.{run}",
    )


@pytest.fixture(scope="module")
async def mdt_db(infrastructure: None) -> str:
    return await create_fresh_database("staffmdt")


@pytest.fixture(scope="module")
def with_mdt(seeded: StaffStack, mdt_db: str, kafka_bootstrap: str) -> Iterator[MdtWorld]:
    """The real mdt service beside referrals, the portal pointed at it."""
    with sibling_service(seeded, create_mdt, MdtSettings, mdt_db, kafka_bootstrap, "mdt",
                         referrals_topic="referrals",
                         care_plans_topic="careplans") as url:  # fmt: skip
        world = MdtWorld(seeded, url, mdt_db)
        world.point()
        yield world


@pytest.fixture(scope="module")
def mdt_feed(with_mdt: MdtWorld, kafka_bootstrap: str) -> Iterator[MdtWorld]:
    """mdt's relay publishing its outbox to its topic, and the portal's worker (its staff
    live-update consumers) reading that topic."""
    mdt = mdt_worker_settings(with_mdt, kafka_bootstrap)
    portal = live_worker(
        with_mdt.stack, kafka_bootstrap, mdt_topic=mdt.topic, referrals_topic=mdt.referrals_topic
    )
    with running(build_mdt_worker(mdt), portal):
        yield with_mdt


def _member(user: str, title: str, *codes: str) -> dict[str, Any]:
    return {
        "member": {"identifier": {"system": SDS, "value": user}, "display": title},
        "role": [{"coding": [{"system": MEMBERSHIP, "code": c} for c in codes], "text": title}],
    }


async def make_team(world: MdtWorld, name: str) -> str:
    """An active locality MDT serving the demo GP's practice, chaired by the demo member."""
    body = {
        "resourceType": "CareTeam",
        "status": "active",
        "name": name,
        "category": [{"coding": [{"system": system_url("mdt"), "code": "mdt-locality"}]}],
        "extension": [{"url": extension_url("mdt-locality"), "valueString": "north"}],
        "managingOrganization": [{"identifier": {"system": ODS, "value": GP.organisation}}],
        "participant": [
            _member(CHAIR.subject, "Community nurse", "core", "chair"),
            _member(GP.subject, "GP", "core"),
        ],
    }
    made = await world.call("POST", "CareTeam", world.auth("system", None, None), body)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def book(world: MdtWorld, team: str, count: int = 1, days_ahead: int = 7) -> list[str]:
    start = (datetime.now(UTC) + timedelta(days=days_ahead)).replace(microsecond=0)
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "start", "valueDateTime": start.isoformat()},
            {"name": "count", "valueInteger": count},
        ],
    }
    path = f"CareTeam/{team}/$schedule-meetings"
    booked = await world.call("POST", path, world.auth("system", None, None), body)
    assert booked.status_code == 201, booked.text
    entries = [e["resource"] for e in booked.json()["entry"]]
    return [e["id"] for e in entries if e["resourceType"] == "Appointment"]


async def _register(world: MdtWorld, nhs: str | None = None) -> str:
    nhs = nhs or new_nhs_number()
    engine = create_engine(world.mdt_db, pool_size=1)
    try:
        async with engine.begin() as conn:
            await access.grant(
                conn, nhs, "organisation", str(GP.organisation), "registered-practice"
            )
            await conn.execute(
                text("insert into mdt_patient (patient_nhs, practice) values (:n, :p)"),
                {"n": nhs, "p": GP.organisation},
            )
    finally:
        await engine.dispose()
    return nhs


async def nominate(world: MdtWorld, team: str, question: str, nhs: str | None = None) -> str:
    """A patient of the GP's practice (`nhs`, else a new one) nominated by the GP: the
    new case's id (not yet on a meeting's list)."""
    patient = await _register(world, nhs)
    nominated = await world.call(
        "POST", f"CareTeam/{team}/$nominate", world.gp,
        {"resourceType": "Parameters", "parameter": [
            {"name": "patient", "valueIdentifier": {"system": NHS, "value": patient}},
            {"name": "reason", "valueString": "Falls and carer strain"},
            {"name": "question", "valueString": question},
            {"name": "urgency", "valueCode": "routine"},
        ]},
    )  # fmt: skip
    assert nominated.status_code == 201, nominated.text
    return str(nominated.json()["id"])


async def assemble(world: MdtWorld, meeting: str) -> list[str]:
    """The chair assembles the meeting's case list: the case ids in the list's order."""
    path, body = f"Appointment/{meeting}/$assemble-case-list", {"resourceType": "Parameters"}
    assembled = await world.call("POST", path, world.chair, body)
    assert assembled.status_code == 200, assembled.text
    return [e["item"]["reference"].split("/")[1] for e in assembled.json().get("entry", [])]


async def listed_cases(
    world: MdtWorld, team: str, meeting: str, questions: list[str], nhs: str | None = None
) -> list[str]:
    """A patient of the GP's practice nominated per question (`nhs`, else a new one each),
    the list assembled by the chair; the case ids in the list's order."""
    for question in questions:
        await nominate(world, team, question, nhs)
    return await assemble(world, meeting)


@dataclass(frozen=True)
class Listed:
    """A new MDT with two meetings booked, and the cases listed at the first."""

    team: str
    meeting: str
    following: str
    cases: list[str]


async def listed_meeting(
    world: MdtWorld, name: str, questions: list[str], nhs: str | None = None
) -> Listed:
    """An MDT named `name` with two meetings booked and a case per question listed at
    the first (see `listed_cases`; no question: nothing nominated, the list unassembled)."""
    team = await make_team(world, name)
    meeting, following = await book(world, team, count=2)
    cases = await listed_cases(world, team, meeting, questions, nhs) if questions else []
    return Listed(team, meeting, following, cases)


async def case_task(world: MdtWorld, case_id: str) -> dict[str, Any]:
    """The case Task as the mdt service stores it, read by the chair."""
    read = await world.call("GET", f"Task/{case_id}", world.chair)
    assert read.status_code == 200, read.text
    body: dict[str, Any] = read.json()
    return body


def state_of(task: dict[str, Any]) -> str:
    return str(task["businessStatus"]["coding"][0]["code"])


def action_part(description: str, owner: str, due: str) -> dict[str, Any]:
    """One `action` of `$record-outcome`: `owner` an ODS code (the practice) or a role."""
    if owner.isalnum() and owner.isupper():
        kind: list[dict[str, Any]] = [
            {"name": "ownerKind", "valueCode": "organisation"},
            {"name": "ownerOrganisation", "valueIdentifier": {"system": ODS, "value": owner}},
        ]
    else:
        kind = [
            {"name": "ownerKind", "valueCode": "role"},
            {"name": "ownerDisplay", "valueString": owner},
        ]
    return {"name": "action", "part": [
        {"name": "description", "valueString": description}, *kind,
        {"name": "dueOn", "valueDate": due},
    ]}  # fmt: skip


async def discuss(world: MdtWorld, case: str, *actions: dict[str, Any]) -> None:
    """The chair records `case` as discussed with these actions, over mdt's FHIR API."""
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "status", "valueCode": "discussed"}, *actions]}  # fmt: skip
    done = await world.call("POST", f"Task/{case}/$record-outcome", world.chair, body)
    assert done.status_code == 200, done.text


async def actions_of(world: MdtWorld, case: str) -> dict[str, str]:
    """The case's action Tasks as the chair reads them: description -> id."""
    found = await world.call("GET", f"Task?part-of=Task/{case}", world.chair)
    assert found.status_code == 200, found.text
    return {e["resource"]["description"]: e["resource"]["id"] for e in found.json()["entry"]}


async def settle(world: MdtWorld, action: str, step: str, headers: dict[str, str]) -> None:
    """`$acknowledge` or `$complete` the action over mdt's FHIR API as `headers`' user."""
    done = await world.call(
        "POST", f"Task/{action}/${step}", headers, {"resourceType": "Parameters"}
    )
    assert done.status_code == 200, done.text
