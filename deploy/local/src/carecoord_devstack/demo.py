"""`carecoord demo load`: put the synthetic demo borough into the running services.

Demo data goes in through the services' own FHIR APIs, never into their tables,
so it passes the same validation, indexing, authorisation, audit and outbox as real
traffic and shows that those paths work. Each resource is a conditional create
(`If-None-Exist` with its business identifier) under a development-issuer system
token, so a rerun creates nothing new and loading is safe to repeat at every
`carecoord run`. Stages run in order within a service (organisations before the
services that name them), the services load concurrently, and the resources within
a stage go concurrently over one connection pool, which keeps a full load to a few
seconds. A refused request is reported with its status and the OperationOutcome's
diagnostics, grouped so that one wrong rule does not print 200 lines.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

import httpx

from carecoord_devstack.demo_data import LOADER_CLIENT_ID, Seed, demo_stages, demo_users
from carecoord_devstack.paths import DevstackError
from carecoord_devstack.tokens import dev_issuer_folder
from carecoord_shared.security.dev_issuer import DevIssuer

__all__ = ["LoadReport", "describe_users", "load", "load_async", "system_token"]

Echo = Callable[[str], None]
FHIR_JSON = "application/fhir+json"
CONCURRENCY = 16
_MAX_ERRORS_SHOWN = 8


@dataclass
class LoadReport:
    """What a load did, per (service, resource type)."""

    created: Counter[tuple[str, str]] = field(default_factory=Counter)
    existing: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)  # message -> how many
    examples: dict[str, str] = field(default_factory=dict)  # message -> one criteria

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    def lines(self) -> list[str]:
        shown = []
        for key in sorted(self.created.keys() | self.existing.keys()):
            new, old = self.created[key], self.existing[key]
            shown.append(
                f"  {key[0]:<11} {key[1]:<18} {new + old:>4}  ({new} new, {old} already there)"
            )
        for message, count in self.failures.most_common(_MAX_ERRORS_SHOWN):
            shown.append(
                f"  FAILED x{count}: {message}\n      e.g. If-None-Exist: {self.examples[message]}"
            )
        if len(self.failures) > _MAX_ERRORS_SHOWN:
            shown.append(
                f"  ... and {len(self.failures) - _MAX_ERRORS_SHOWN} other kinds of failure"
            )
        return shown


def system_token() -> str:
    """A development-issuer token for the loader, with the system role's default scopes."""
    return DevIssuer(dev_issuer_folder()).mint("system", user=LOADER_CLIENT_ID)


def _diagnostics(response: httpx.Response) -> str:
    """The OperationOutcome's issues in one line, or the start of whatever came back."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or "(empty body)"
    issues = body.get("issue") if isinstance(body, dict) else None
    if not isinstance(issues, list) or not issues:
        return str(body)[:200]
    said = []
    for issue in issues:
        text = issue.get("diagnostics") or (issue.get("details") or {}).get("text") or ""
        where = ",".join(issue.get("expression") or [])
        said.append(f"[{issue.get('code', '?')}] {text}" + (f" (at {where})" if where else ""))
    return "; ".join(said)


async def _create(
    client: httpx.AsyncClient, base: str, seed: Seed, limit: asyncio.Semaphore, report: LoadReport
) -> None:
    url = f"{base}/fhir/{seed.resource_type}"
    key = (seed.service, seed.resource_type)
    async with limit:
        try:
            response = await client.post(
                url,
                content=json.dumps(seed.resource).encode(),
                headers={"Content-Type": FHIR_JSON, "If-None-Exist": seed.criteria},
            )
        except httpx.HTTPError as error:
            message = f"POST {url}: {type(error).__name__}: {error}"
        else:
            if response.status_code == 201:
                report.created[key] += 1
                return
            if response.status_code == 200:
                report.existing[key] += 1
                return
            message = f"POST {url} -> {response.status_code}: {_diagnostics(response)}"
    report.failures[message] += 1
    report.examples.setdefault(message, unquote(seed.criteria))


async def _load_service(
    client: httpx.AsyncClient,
    base: str,
    stages: list[list[Seed]],
    limit: asyncio.Semaphore,
    report: LoadReport,
) -> None:
    for stage in stages:
        await asyncio.gather(*(_create(client, base, seed, limit, report) for seed in stage))


async def _warm_up(client: httpx.AsyncClient, service: str, base: str, resource_type: str) -> None:
    """One authenticated request before the burst: it proves the service is there and lets
    it load the issuer's keys once, rather than under many concurrent first requests."""
    try:
        await client.get(f"{base}/fhir/{resource_type}", params={"_count": "1"})
    except httpx.HTTPError:
        raise DevstackError(
            f"cannot reach {service} at {base}: is the stack running? (`carecoord run`)"
        ) from None


async def load_async(
    base_urls: Mapping[str, str], token: str, concurrency: int = CONCURRENCY
) -> LoadReport:
    """Load every stage into the service at `base_urls[service]`; never raises for a refusal."""
    stages = demo_stages()
    missing = sorted(set(stages) - set(base_urls))
    if missing:
        raise DevstackError(f"no base URL for {', '.join(missing)}")
    report = LoadReport()
    limit = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {token}", "Accept": FHIR_JSON}
    pool = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(headers=headers, timeout=30.0, limits=pool) as client:
        for service, service_stages in stages.items():
            first_type = service_stages[0][0].resource_type
            await _warm_up(client, service, base_urls[service], first_type)
        await asyncio.gather(
            *(
                _load_service(client, base_urls[service], service_stages, limit, report)
                for service, service_stages in stages.items()
            )
        )
    return report


def load(base_urls: Mapping[str, str], echo: Echo = print) -> bool:
    """Load the demo data and print what happened; True when every request succeeded."""
    echo("Loading demo data through the FHIR APIs (conditional create, system token)...")
    began = time.monotonic()
    report = asyncio.run(load_async(base_urls, system_token()))
    for line in report.lines():
        echo(line)
    took = time.monotonic() - began
    if report.failed:
        echo(f"Demo data: {report.failed} requests failed [{took:.1f} s]")
        return False
    echo(f"Demo data loaded [{took:.1f} s]")
    return True


def describe_users(echo: Echo = print) -> None:
    """Print each demo user with the command that mints its token."""
    echo("Demo users, each with the commands that print a bearer token for it:")
    for user in demo_users():
        echo(f"  {user.role:<17} {user.description}")
        echo(f"  {'':<17} {user.make_command()}")
        echo(f"  {'':<17} {user.token_command()}")
