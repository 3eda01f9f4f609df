"""Staff portal: server time of meeting mode (30 cases) and of the triage worklist (500
open requests), p95 at 20 concurrent signed-in users (issue 10: p95 <= 150 ms).

Run by `make bench` (or alone: `.venv/bin/python services/portal/bench/bench_staff.py`,
PostgreSQL and Kafka up). Each server runs as a process of its own, as deployed, on a
fresh database: the development OIDC provider, the portal (its web face), mdt,
referrals and care_plans. The users sign in through the real OIDC flow (a session each
in the portal's database); the MDT, its meeting with 30 cases and the 500 A&G requests
are made over the services' FHIR APIs first. Each page is then loaded twice for
`--seconds`: as people use it (each user opens a page, reads it for a random time of
mean `--think` seconds, 2 by default: 10 pages/s from 20 people, far more than 20
clinicians at work ask for), and back to back (each opens the next page the moment
the last arrives: a saturation test that shows the most the stack serves). Every
page's own calls to the services are made with the user's token.
Two figures per page: the server time (the portal's own, from request received to
response started, sent back in a `Server-Timing` header: the issue's measure) and the
time the user waited (request sent to whole page received, on loopback). Then what a
page cost, steadier than times on a shared machine (`staff_bench.measure`): the calls to
the services, their time answering them, and the CPU of each server and of PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import statistics
import tempfile
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import uvicorn
from fastapi import FastAPI
from staff_bench.measure import Meter, ServerTiming  # beside this script
from staff_bench.seed import Fhir, analyzed, meeting_with_cases, open_requests
from staff_bench.servers import free_ports, wait_up

from carecoord_devstack.bench import machine
from carecoord_devstack.bench_profile import Spy
from carecoord_devstack.kafka import kafka_bootstrap
from carecoord_devstack.oidc_provider import create_oidc_app, portal_client
from carecoord_devstack.testing import create_fresh_database, drop_fresh_databases
from carecoord_shared.db import create_engine, migrate_async
from carecoord_shared.security.dev_issuer import DevIssuer

TARGET_MS = 150.0
CLIENT = ("portal-bench", "a-bench-client-secret-of-some-length")


def _portal(urls: dict[str, str], folder: Path, database_url: str) -> FastAPI:
    from portal.config.staff import StaffSettings
    from portal.web import PostgresSessionStore, WebConfig, install_web

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        app.state.engine = create_engine(database_url, pool_size=8)
        yield
        await app.state.engine.dispose()

    app = FastAPI(lifespan=lifespan)
    app.add_middleware(ServerTiming)
    config = WebConfig(
        oidc_issuer=urls["provider"], client_id=CLIENT[0], client_secret=CLIENT[1],
        public_base_url=urls["portal"], csrf_secret=os.urandom(32), secure_cookies=False,
    )  # fmt: skip
    install_web(app, config, PostgresSessionStore(lambda: app.state.engine))
    settings = StaffSettings(
        referrals_url=urls["referrals"], care_plans_url=urls["care_plans"], mdt_url=urls["mdt"]
    )
    app.state.context = SimpleNamespace(settings=settings)
    return app


def _service(kind: str, urls: dict[str, str], folder: Path, database_url: str) -> FastAPI:
    """mdt, referrals or care_plans as `make run` builds them (topics of their own)."""
    run = Path(folder).name
    common: dict[str, Any] = {
        "environment": "test", "database_url": database_url, "log_level": "WARNING",
        "auth_jwks_url": DevIssuer(folder).jwks_url, "public_base_url": urls[kind],
        "kafka_bootstrap_servers": kafka_bootstrap(),
    }  # fmt: skip
    if kind == "mdt":
        from mdt.main import create_app as create_mdt
        from mdt.settings import MdtSettings

        topics = {"referrals_topic": f"bench.ref.{run}", "care_plans_topic": f"bench.cp.{run}"}
        return create_mdt(MdtSettings(**common, topic=f"bench.mdt.{run}", **topics))
    if kind == "referrals":
        from referrals.main import create_app as create_referrals
        from referrals.settings import ReferralsSettings

        settings = ReferralsSettings(
            **common, topic=f"bench.ref.{run}", care_plans_topic=f"bench.cp.{run}"
        )
        return create_referrals(settings)
    from care_plans.main import create_app as create_care_plans
    from care_plans.settings import CarePlansSettings

    topics = {"referrals_topic": f"bench.ref.{run}", "mdt_topic": f"bench.mdt.{run}"}
    return create_care_plans(CarePlansSettings(**common, topic=f"bench.cp.{run}", **topics))


def serve(kind: str, urls: dict[str, str], folder: Path, database_url: str) -> None:
    """One server, in a process of its own."""
    if kind == "provider":
        client = portal_client(urls["portal"], *CLIENT)
        app = create_oidc_app(folder, urls["provider"], client=client)
    elif kind == "portal":
        app = _portal(urls, folder, database_url)
    else:
        app = _service(kind, urls, folder, database_url)
    port = int(urls[kind].rsplit(":", 1)[1])
    uvicorn.run(
        app, host="127.0.0.1", port=port, log_level="warning", ws="none", timeout_keep_alive=75
    )


async def signed_in(urls: dict[str, str], who: str) -> httpx.AsyncClient:
    """A browser-like client signed in as the demo person `who` through the OIDC flow."""
    client = httpx.AsyncClient(timeout=30)
    login = await client.get(f"{urls['portal']}/auth/login?return_to=/")
    params = dict(parse_qsl(urlsplit(login.headers["location"]).query))
    chosen = await client.post(f"{urls['provider']}/authorize", data=params | {"user": who})
    landed = await client.get(chosen.headers["location"])
    if landed.status_code != 303:
        raise RuntimeError(f"sign-in as {who} failed: {landed.status_code}")
    return client


@dataclass
class Phase:
    """One load phase: each page's server time and waited time (ms), and what it cost."""

    server: list[float] = field(default_factory=list)
    waited: list[float] = field(default_factory=list)
    costs: list[str] = field(default_factory=list)


async def load(
    urls: dict[str, str],
    who: str,
    paths: list[str],
    args: argparse.Namespace,
    meter: Meter,
    think: float,
) -> Phase:
    """`args.users` signed-in people reading `paths` for `args.seconds`, each pausing
    a random time of mean `think` seconds between pages (0: back to back)."""
    pause = random.Random(len(paths))  # noqa: S311 (pacing, not secrets)
    clients = [await signed_in(urls, who) for _ in range(args.users)]
    for client in clients:  # warm: each session's first page
        (await client.get(f"{urls['portal']}{paths[0]}")).raise_for_status()
    phase, services = Phase(), ("mdt", "referrals", "care_plans")
    before = await meter.snapshot(services)
    profiled = [(k, p) for k, p in meter.pids.items() if args.profile and k != "provider"]
    spies = [Spy(pid, args.profile / f"{who}-{kind}.txt", args.seconds) for kind, pid in profiled]
    end = time.monotonic() + args.seconds

    async def user(n: int, client: httpx.AsyncClient) -> None:
        i = n
        while time.monotonic() < end:
            if think:
                await asyncio.sleep(pause.expovariate(1 / think))
            started = time.perf_counter()
            page = await client.get(f"{urls['portal']}{paths[i % len(paths)]}")
            phase.waited.append((time.perf_counter() - started) * 1000)
            if page.status_code != 200:
                raise RuntimeError(f"{paths[i % len(paths)]}: {page.status_code}")
            timing = page.headers.get("server-timing", "app;dur=nan")
            phase.server.append(float(timing.rsplit("dur=", 1)[1]))
            i += 1

    try:
        await asyncio.gather(*(user(n, c) for n, c in enumerate(clients)))
        phase.costs = meter.report(before, await meter.snapshot(services), len(phase.waited))
        for spy in spies:
            spy.stop()
    finally:
        for client in clients:
            await client.aclose()
    return phase


def _paced(think: float) -> str:
    return f", a page every {think:g} s per user" if think else ", back to back"


def _percentiles(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"p50 {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms, max {ordered[-1]:.0f} ms"


def report(name: str, phase: Phase, args: argparse.Namespace) -> None:
    ordered = sorted(phase.server)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    verdict = "meets" if p95 <= TARGET_MS else "misses"
    pages, seconds = len(ordered), args.seconds
    print(
        f"{name}: {pages} pages in {seconds:.0f} s at {args.users} users "
        f"({pages / seconds:.1f}/s; load average {os.getloadavg()[0]:.1f})\n"
        f"  server time: {_percentiles(phase.server)} "
        f"({verdict} the target p95 <= {TARGET_MS:.0f} ms)\n"
        f"  waited (client side): {_percentiles(phase.waited)}",
        *phase.costs,
        sep="\n",
        flush=True,
    )


async def _databases() -> dict[str, str]:
    from portal.web import WEB_MIGRATIONS

    found = {k: await create_fresh_database(f"bench{k[:4]}") for k in
             ("portal", "mdt", "referrals", "care_plans")}  # fmt: skip
    await migrate_async(found["portal"], WEB_MIGRATIONS)
    return found


async def run(args: argparse.Namespace, urls: dict[str, str], folder: Path) -> None:
    databases = await _databases()
    spawn = multiprocessing.get_context("spawn")
    servers = [
        spawn.Process(target=serve, args=(kind, urls, folder, databases.get(kind, "")))
        for kind in urls
    ]
    for server in servers:
        server.start()
    try:
        for kind, url in urls.items():
            await wait_up(url, "/.well-known/openid-configuration" if kind == "provider" else "/")
        issuer = DevIssuer(folder)
        mdt, referrals = Fhir(urls["mdt"], issuer), Fhir(urls["referrals"], issuer)
        pids = {kind: int(server.pid or 0) for kind, server in zip(urls, servers, strict=True)}
        meter = Meter(urls, pids, list(databases.values()))
        print("Server processes (for py-spy):", pids, flush=True)
        paths = await meeting_with_cases(mdt, databases["mdt"], args.cases)
        print(f"Meeting with {len(paths)} cases listed", flush=True)
        await analyzed(databases)
        for think in (args.think, 0.0):
            phase = await load(urls, "mdt-member", paths, args, meter, think)
            report(f"Meeting mode ({len(paths)} cases){_paced(think)}", phase, args)
        if args.requests:
            await open_requests(referrals, databases["referrals"], args.requests)
            print(f"{args.requests} open A&G requests made", flush=True)
            await analyzed(databases)
            for think in (args.think, 0.0):
                phase = await load(urls, "triage-clinician", ["/triage"], args, meter, think)
                report(f"Triage worklist ({args.requests} open){_paced(think)}", phase, args)
    finally:
        for server in servers:
            server.terminate()
            server.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--think", type=float, default=2.0, help="mean s between pages")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--cases", type=int, default=30)
    parser.add_argument("--requests", type=int, default=500, help="0: no worklist run")
    parser.add_argument("--profile", type=Path, help="py-spy each server into this folder")
    args = parser.parse_args()
    print(f"Machine: {machine()}; load average {os.getloadavg()[0]:.1f}", flush=True)
    kinds = ("provider", "portal", "mdt", "referrals", "care_plans")
    urls = {k: f"http://127.0.0.1:{p}" for k, p in zip(kinds, free_ports(5), strict=True)}
    with tempfile.TemporaryDirectory(prefix="bench-staff-") as folder:
        assert DevIssuer(Path(folder)).jwks_url  # the signing key, before any server reads it
        try:
            asyncio.run(run(args, urls, Path(folder)))
        finally:
            drop_fresh_databases()


if __name__ == "__main__":
    main()
