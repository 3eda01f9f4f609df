"""A whole staff stack on loopback: the development OIDC provider, the real referrals
service on a fresh database, and the portal's web face calling it as the signed-in user.

Each is served by uvicorn in a thread (the portal reaches referrals over real HTTP, as
in production); the provider signs access tokens with the development key that
referrals is told to trust. The directory is seeded through referrals' FHIR API: an
A&G service of the demo triage clinician's trust, and a second one to redirect to.
Patients are registered at practices by the grant the registration event would make
(as referrals' own tests do; proved end to end in tests/e2e).
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, ViewportSize

from care_plans.main import create_app as create_care_plans
from care_plans.settings import CarePlansSettings
from carecoord_devstack.oidc_provider import DemoIdentity, demo_identities
from carecoord_devstack.testing import create_fresh_database, new_nhs_number, settings_under_test
from carecoord_shared.db import create_engine, migrate_async
from carecoord_shared.fhir.definitions import extension_url, system_url
from carecoord_shared.security import access
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.tokens import TokenVerifier
from carecoord_shared.service import system_clock
from carecoord_shared.settings import ServiceSettings
from carecoord_shared.worker import Worker, build_worker
from portal.definition import SERVICE
from portal.events import staff_live
from portal.service.context import PortalContext
from portal.settings import PortalSettings
from portal.web import WEB_MIGRATIONS, WebConfig
from referrals.main import create_app as create_referrals
from referrals.settings import ReferralsSettings
from referrals.worker import build_worker as build_referrals_worker
from services.portal.tests.web.conftest import (
    LiveServer,
    csrf_token,
    free_port,
    portal_app,
    signing_in,
)
from services.portal.tests.web.test_browser import SCREENSHOTS, assert_accessible

PEOPLE: dict[str, DemoIdentity] = {who.key: who for who in demo_identities()}
GP, TRIAGE, CO_ORDINATOR = PEOPLE["gp"], PEOPLE["triage-clinician"], PEOPLE["care-coordinator"]
PARAMEDIC = PEOPLE["paramedic"]
ASTHMA = {"system": "http://snomed.info/sct", "code": "195967001"}
OTHER_PRACTICE = "B82002"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
NHS = "https://fhir.nhs.uk/Id/nhs-number"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CARDIOLOGY = {"system": "http://snomed.info/sct", "code": "394579002", "display": "Cardiology"}
RHEUMATOLOGY = {"system": "http://snomed.info/sct", "code": "394810000", "display": "Rheumatology"}


def _ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


@dataclass
class StaffStack:
    portal_url: str
    provider_url: str
    referrals_url: str
    referrals_db: str
    issuer: DevIssuer
    cardiology: str
    rheumatology: str
    portal: FastAPI | None = None

    care_plans_url: str = "http://127.0.0.1:1"
    mdt_url: str = "http://127.0.0.1:1"
    referrals_settings: ReferralsSettings | None = None
    portal_db: str = ""

    def point_at(self, **urls: str) -> None:
        """Send the portal's calls to these services (`referrals`, `care_plans`, `mdt`; a
        dead port: that service is down); the others to where they run."""
        assert self.portal is not None
        settings = PortalSettings(
            environment="test",
            database_url=self.portal_db,
            log_level="WARNING",
            referrals_url=urls.get("referrals", self.referrals_url),
            care_plans_url=urls.get("care_plans", self.care_plans_url),
            mdt_url=urls.get("mdt", self.mdt_url),
            service_timeout_s=10,
        )
        self.portal.state.context = PortalContext.build(settings, system_clock)

    async def while_down(
        self, client: httpx.AsyncClient, service: str, path: str
    ) -> httpx.Response:
        """`path` of the portal, read by `client` while `service` (`referrals`,
        `care_plans` or `mdt`) does not answer (a dead port)."""
        self.point_at(**{service: "http://127.0.0.1:9"})
        try:
            return await client.get(f"{self.portal_url}{path}")
        finally:
            self.point_at()

    def token(self, role: Any, organisation: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.mint(role, organisation=organisation)}"}


def service(provider: str, specialty: dict[str, str], name: str) -> dict[str, Any]:
    return {
        "resourceType": "HealthcareService",
        "active": True,
        "providedBy": {"identifier": {"system": ODS, "value": provider}},
        "specialty": [{"coding": [specialty]}],
        "name": name,
        "characteristic": [
            {
                "coding": [
                    {"system": system_url("service-characteristic"), "code": "advice-and-guidance"}
                ]
            }
        ],
    }


def _portal(config: WebConfig, database_url: str, referrals_url: str) -> FastAPI:
    """The portal's web face with its own FHIR interactions and context (`point_at`)."""
    portal = PortalSettings(environment="test", database_url=database_url, log_level="WARNING")
    return portal_app(config, database_url, SERVICE.assemble(portal, system_clock)[2])


async def _seed(stack: StaffStack) -> None:
    headers = stack.token("system", None)  # the directory is an administrator's
    async with httpx.AsyncClient(base_url=f"{stack.referrals_url}/fhir") as client:
        for attribute, body in (
            ("cardiology", service(str(TRIAGE.organisation), CARDIOLOGY, "Cardiology A&G")),
            ("rheumatology", service("RXK01", RHEUMATOLOGY, "Rheumatology A&G")),
        ):
            created = await client.post("/HealthcareService", json=body, headers=headers)
            assert created.status_code == 201, created.text
            setattr(stack, attribute, created.json()["id"])


@pytest.fixture(scope="module")
async def staff_databases(infrastructure: None) -> tuple[str, str]:
    portal_db = await create_fresh_database("staffweb")
    await migrate_async(portal_db, WEB_MIGRATIONS)
    return portal_db, await create_fresh_database("staffref")


@pytest.fixture(scope="module")
def staff_stack(
    staff_databases: tuple[str, str], kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StaffStack]:
    portal_db, referrals_db = staff_databases
    folder = tmp_path_factory.mktemp("staff-issuer")
    issuer = DevIssuer(folder)
    provider_port, portal_port, referrals_port = _ports(3)
    portal_url, provider_url = (
        f"http://127.0.0.1:{portal_port}",
        f"http://127.0.0.1:{provider_port}",
    )
    referrals_url = f"http://127.0.0.1:{referrals_port}"
    provider, config = signing_in(folder, provider_url, provider_port, portal_url)
    run = uuid.uuid4().hex[:8]
    referrals_settings = settings_under_test(
        ReferralsSettings,
        database_url=referrals_db,
        jwks_url=issuer.jwks_url,
        kafka_bootstrap=kafka_bootstrap,
        public_base_url=referrals_url,
        topic=f"test.staffref.{run}",
        care_plans_topic=f"test.staffcp.{run}",
    )
    referrals = LiveServer(create_referrals(referrals_settings), referrals_port)
    portal_app_ = _portal(config, portal_db, referrals_url)
    # The duty pages (web/duty) verify the session's token as the portal's API would.
    portal_app_.state.token_verifier = TokenVerifier(
        referrals_settings.auth_issuer, referrals_settings.auth_audience, issuer.jwks_url
    )
    portal = LiveServer(portal_app_, portal_port)
    servers = (provider, referrals, portal)
    for server in servers:
        server.start()
    stack = StaffStack(
        portal_url, provider_url, referrals_url, referrals_db, issuer, "", "", portal_app_
    )
    stack.referrals_settings, stack.portal_db = referrals_settings, portal_db
    stack.point_at()
    try:
        yield stack
    finally:
        for server in reversed(servers):
            server.stop()


@pytest.fixture(scope="module")
async def seeded(staff_stack: StaffStack) -> StaffStack:
    await _seed(staff_stack)
    return staff_stack


async def register(stack: StaffStack, practice: str) -> str:
    """A new patient registered at `practice` (the grant the registration event makes)."""
    nhs_number = new_nhs_number()
    engine = create_engine(stack.referrals_db, pool_size=1)
    try:
        async with engine.begin() as conn:
            await access.grant(conn, nhs_number, "organisation", practice, "registered-practice")
    finally:
        await engine.dispose()
    return nhs_number


async def ask(
    stack: StaffStack,
    practice: str,
    service_id: str,
    question: str,
    authored: str = "2026-03-02T09:30:00Z",
) -> str:
    """An A&G request from `practice` about a new patient of theirs (over FHIR); its id."""
    nhs_number = await register(stack, practice)
    body = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "category": [
            {"coding": [{"system": system_url("request-category"), "code": "advice-and-guidance"}]}
        ],
        "priority": "routine",
        "subject": {"identifier": {"system": NHS, "value": nhs_number}},
        "requester": {"identifier": {"system": ODS, "value": practice}},
        "performer": [{"reference": f"HealthcareService/{service_id}"}],
        "authoredOn": authored,
        "note": [{"text": question}],
    }
    async with httpx.AsyncClient(base_url=f"{stack.referrals_url}/fhir") as client:
        created = await client.post(
            "/ServiceRequest", json=body, headers=stack.token("gp", practice)
        )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


@pytest.fixture
async def browser_client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=20) as client:
        yield client


async def sign_in(client: httpx.AsyncClient, stack: StaffStack, who: str) -> None:
    """Sign `client` in as the demo person `who` through the real OIDC flow."""
    login = await client.get(f"{stack.portal_url}/auth/login?return_to=/")
    assert login.status_code == 303, login.text
    params = dict(parse_qsl(urlsplit(login.headers["location"]).query))
    chosen = await client.post(f"{stack.provider_url}/authorize", data=params | {"user": who})
    assert chosen.status_code == 303, chosen.text
    landed = await client.get(chosen.headers["location"])
    assert landed.status_code == 303, landed.text


@dataclass
class PortalUser:
    """An httpx browser signed in to the portal as one demo person. It reads the portal's
    paths, and each form it posts carries the CSRF token of the last page it read with
    one (as a browser would post the form of the page it shows)."""

    client: httpx.AsyncClient
    stack: StaffStack
    csrf: str = ""

    async def get(self, path: str, **params: str) -> httpx.Response:
        page = await self.client.get(f"{self.stack.portal_url}{path}", params=params or None)
        if 'name="csrf_token"' in page.text:
            self.csrf = csrf_token(page.text)
        return page

    async def post(self, path: str, data: dict[str, Any] | None = None) -> httpx.Response:
        form = {"csrf_token": self.csrf} | (data or {})
        return await self.client.post(f"{self.stack.portal_url}{path}", data=form)

    async def while_down(self, service: str, path: str) -> httpx.Response:
        return await self.stack.while_down(self.client, service, path)


async def signed_in(client: httpx.AsyncClient, stack: StaffStack, who: str) -> PortalUser:
    """`client` signed in as the demo person `who` (see `sign_in`), to use by path."""
    await sign_in(client, stack, who)
    return PortalUser(client, stack)


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
async def care_plans_db(infrastructure: None) -> str:
    return await create_fresh_database("staffcp")


@pytest.fixture(scope="module")
def with_care_plans(
    seeded: StaffStack, care_plans_db: str, kafka_bootstrap: str
) -> Iterator[StaffStack]:
    """The real care plans service beside referrals, the portal pointed at both."""
    with sibling_service(seeded, create_care_plans, CarePlansSettings, care_plans_db,
                         kafka_bootstrap, "careplans", referrals_topic="referrals",
                         mdt_topic="mdt") as url:  # fmt: skip
        seeded.care_plans_url = url
        seeded.point_at()
        yield seeded


@contextmanager
def sibling_service(
    stack: StaffStack,
    create: Callable[[Any], Any],
    settings_class: type[ServiceSettings],
    database_url: str,
    kafka_bootstrap: str,
    own_topic: str,
    **consumed: str,
) -> Iterator[str]:
    """Another service running for real on a free port, trusting the stack's issuer, with
    its own topic and the ones it consumes (`<setting>=<stem>`) unique to this run: its
    base URL while it runs."""
    (port,) = _ports(1)
    run = uuid.uuid4().hex[:8]
    url = f"http://127.0.0.1:{port}"
    topics = {setting: f"test.{stem}.{run}" for setting, stem in consumed.items()}
    settings = settings_under_test(
        settings_class,
        database_url=database_url,
        jwks_url=stack.issuer.jwks_url,
        kafka_bootstrap=kafka_bootstrap,
        public_base_url=url,
        topic=f"test.{own_topic}.{run}",
        **topics,
    )
    server = LiveServer(create(settings), port)
    server.start()
    try:
        yield url
    finally:
        server.stop()


async def on_caseload(
    stack: StaffStack, summary: str, activity: str = "Weekly phone call", *,
    coordinator: str | None = CO_ORDINATOR.subject, practice: str = str(GP.organisation),
) -> tuple[str, str]:  # fmt: skip
    """A patient with asthma at `practice`, their active comprehensive plan (reviewed
    1 March 2025, so overdue) and `coordinator` (if any) as named co-ordinator:
    (patient, plan) ids."""
    nhs_number, system = new_nhs_number(), stack.token("system", None)
    subject = {"identifier": {"system": NHS, "value": nhs_number}}
    patient = {
        "resourceType": "Patient",
        "identifier": [{"system": NHS, "value": nhs_number}],
        "name": [{"family": f"Caseload{uuid.uuid4().hex[:4]}", "given": ["Alex"]}],
        "generalPractitioner": [{"identifier": {"system": ODS, "value": practice}}],
    }
    condition = {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active"}]},
        "code": {"coding": [ASTHMA]},
        "subject": subject,
    }
    plan = {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "title": "My care and support plan",
        "description": summary,
        "category": [
            {"coding": [{"system": system_url("care-plan-kind"), "code": "comprehensive"}]}
        ],
        "subject": subject,
        "period": {"start": "2025-03-01"},
        "activity": [{"detail": {"status": "in-progress", "description": activity}}],
    }
    gp = stack.token("gp", practice)
    async with httpx.AsyncClient(base_url=f"{stack.care_plans_url}/fhir", timeout=20) as client:
        made = [
            await client.post(f"/{body['resourceType']}", json=body, headers=who)
            for body, who in ((patient, system), (condition, system), (plan, gp))
        ]
        assert all(r.status_code == 201 for r in made), [r.text for r in made]
        patient_id, plan_id = made[0].json()["id"], made[2].json()["id"]
        if coordinator is not None:
            assigned = await client.post(
                f"/Patient/{patient_id}/$assign-coordinator",
                json=assignment(coordinator, CO_ORDINATOR.name),
                headers=gp,
            )
            assert assigned.status_code == 200, assigned.text
    return patient_id, plan_id


def assignment(sds: str, name: str) -> dict[str, Any]:
    return {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "practitionerRole",
                "valueReference": {"reference": f"PractitionerRole/pr-{sds}", "display": name},
            },
            {"name": "sdsUserId", "valueString": sds},
            {"name": "kind", "valueCode": "named-care-coordinator"},
            {"name": "reason", "valueString": "new to the LTC register"},
        ],
    }


def signed_in_page(
    browser: Browser, stack: StaffStack, name: str, path: str, js: bool = True,
    viewport: ViewportSize | None = None,
) -> Page:  # fmt: skip
    """A new browser context signed in as the demo person `name` through the real OIDC
    flow, on `path` of the portal."""
    context = browser.new_context(
        viewport=viewport or {"width": 1024, "height": 900}, java_script_enabled=js
    )
    page = context.new_page()
    page.goto(f"{stack.portal_url}{path}")
    page.wait_for_url(f"{stack.provider_url}/authorize**")
    page.get_by_role("button", name=f"Sign in as {name}").click()
    page.wait_for_url(f"{stack.portal_url}{path}**")
    return page


@pytest.fixture(scope="module")
def axe() -> Axe:
    from portal.web.config import DEFAULT_NODE_MODULES

    return Axe.from_file(DEFAULT_NODE_MODULES / "axe-core" / "axe.min.js")


ELDERLY_CARE = {
    "system": "http://snomed.info/sct",
    "code": "394811001",
    "display": "Geriatric medicine",
}


async def advice_line(stack: StaffStack, locality: str, *on_call: str) -> str:
    """An always-open elderly-care advice line for `locality` with `on_call` specialists
    in that ringing order, made by the directory administrator; its id."""
    line = {
        "resourceType": "HealthcareService",
        "active": True,
        "providedBy": {"identifier": {"system": ODS, "value": "RXK01"}},
        "type": [{"coding": [{"system": system_url("service-type"), "code": "advice-line"}]}],
        "specialty": [{"coding": [ELDERLY_CARE]}],
        "characteristic": [{"coding": [{"system": system_url("locality"), "code": locality}]}],
        "telecom": [{"system": "phone", "value": "01632 960101"}],
        "name": f"Elderly care advice line {locality}",
    }
    admin = stack.token("system", None)
    async with httpx.AsyncClient(base_url=f"{stack.referrals_url}/fhir") as client:
        made = await client.post("/HealthcareService", json=line, headers=admin)
        assert made.status_code == 201, made.text
        line_id = str(made.json()["id"])
        for rank, name in enumerate(on_call, start=1):
            role = {
                "resourceType": "PractitionerRole",
                "active": True,
                "practitioner": {"display": name},
                "healthcareService": [{"reference": f"HealthcareService/{line_id}"}],
                "telecom": [{"system": "phone", "value": f"07700 900{rank:03d}"}],
                "availableTime": [{"allDay": True}],
                "extension": [{"url": extension_url("ringing-order"), "valuePositiveInt": rank}],
            }
            added = await client.post("/PractitionerRole", json=role, headers=admin)
            assert added.status_code == 201, added.text
    return line_id


class WorkerThread:
    """A service's worker (relay, consumers) on its own event loop in a thread, so it runs
    while a synchronous browser test drives Playwright."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        task = asyncio.create_task(self.worker.run())
        await asyncio.wait_for(self.worker.started.wait(), 60)
        self._ready.set()
        await task

    def start(self) -> None:
        self._thread.start()
        assert self._ready.wait(90), "the worker did not start"

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.worker.stopping.set)
        self._thread.join(timeout=30)


def live_worker(
    stack: StaffStack, kafka_bootstrap: str, referrals_topic: str, mdt_topic: str = ""
) -> Worker:
    """The portal's worker with only its staff live-update consumers, reading these topics
    (without `mdt_topic`, one of this run that nothing writes)."""
    run = uuid.uuid4().hex[:8]
    portal = PortalSettings(
        environment="development",
        database_url=stack.portal_db,
        auth_jwks_url=stack.issuer.jwks_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        public_base_url=stack.portal_url,
        log_level="WARNING",
        topic=f"test.staffportal.{run}",
        referrals_topic=referrals_topic,
        mdt_topic=mdt_topic or f"test.staffmdt.{run}",
    )
    staff_only = dataclasses.replace(SERVICE, consumers=staff_live.CONSUMERS, jobs=())
    return build_worker(staff_only, portal)


@contextmanager
def running(*workers: Worker) -> Iterator[None]:
    """Each worker on its thread while inside, stopped in reverse order."""
    threads = [WorkerThread(worker) for worker in workers]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        for thread in reversed(threads):
            thread.stop()


@pytest.fixture(scope="module")
def live_feed(seeded: StaffStack, kafka_bootstrap: str) -> Iterator[StaffStack]:
    """Events flowing for real: referrals' relay publishes its outbox to its own topic, and
    the portal's worker (its staff live-update consumers) announces them to the pages."""
    assert seeded.referrals_settings is not None
    topic = seeded.referrals_settings.topic
    portal = live_worker(seeded, kafka_bootstrap, referrals_topic=topic)
    with running(build_referrals_worker(seeded.referrals_settings), portal):
        yield seeded


def checked(axe: Axe, page: Page, name: str, js: bool = True) -> None:
    """The axe-core scan and screenshot of a journey's step; axe-core runs in the page, so
    with JavaScript off only the screenshot is taken (the JavaScript run scans the same)."""
    if js:
        assert_accessible(axe, page, name)
    else:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# The real mdt service beside the stack (`with_mdt`, its database, `mdt_feed` with its
# worker), for every staff test that asks for it. Imported last: mdt_fixtures builds on
# the stack above.
from services.portal.tests.staff.mdt_fixtures import mdt_db, mdt_feed, with_mdt  # noqa: E402

__all__ = ["mdt_db", "mdt_feed", "with_mdt"]
