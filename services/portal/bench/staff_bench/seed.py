"""Seeding the staff bench over the services' FHIR APIs: an MDT meeting with its cases
listed, and open A&G requests for the triage worklist (see ../bench_staff.py). In a
folder of its own, so `make bench --other-scripts` does not run it as a script."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from carecoord_devstack.oidc_provider import demo_identities
from carecoord_devstack.testing import nhs_numbers_in_test_range
from carecoord_shared.db import create_engine
from carecoord_shared.fhir.definitions import extension_url, system_url
from carecoord_shared.security import access
from carecoord_shared.security.dev_issuer import DevIssuer

__all__ = ["Fhir", "meeting_with_cases", "open_requests"]

NHS = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
SDS = "https://fhir.nhs.uk/Id/sds-user-id"
JSON = {"Content-Type": "application/fhir+json"}
PEOPLE = {who.key: who for who in demo_identities()}


class Fhir:
    def __init__(self, base: str, issuer: DevIssuer) -> None:
        self.http = httpx.AsyncClient(base_url=f"{base}/fhir", timeout=60)
        self.issuer = issuer

    def token(self, role: Any, who: Any = None) -> dict[str, str]:
        user = who.subject if who is not None else None
        organisation = who.organisation if who is not None else None
        minted = self.issuer.mint(role, organisation=organisation, user=user)
        return {"Authorization": f"Bearer {minted}", **JSON}

    async def post(self, path: str, body: Any, headers: dict[str, str]) -> dict[str, Any]:
        answer = await self.http.post(path, json=body, headers=headers)
        if answer.status_code >= 300:
            raise RuntimeError(f"POST {path}: {answer.status_code} {answer.text[:300]}")
        found: dict[str, Any] = answer.json()
        return found


async def _grant(database_url: str, patients: list[str], practice: str, mdt: bool) -> None:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            for nhs in patients:
                await access.grant(conn, nhs, "organisation", practice, "registered-practice")
                if mdt:
                    insert = "insert into mdt_patient (patient_nhs, practice) values (:n, :p)"
                    await conn.execute(text(insert), {"n": nhs, "p": practice})
    finally:
        await engine.dispose()


def _parameters(*items: tuple[str, str, Any]) -> dict[str, Any]:
    return {"resourceType": "Parameters", "parameter": [{"name": n, k: v} for n, k, v in items]}


def _member(who: Any, title: str, *codes: str) -> dict[str, Any]:
    membership = system_url("mdt-membership")
    return {
        "member": {"identifier": {"system": SDS, "value": who.subject}},
        "role": [{"coding": [{"system": membership, "code": c} for c in codes], "text": title}],
    }


async def meeting_with_cases(mdt: Fhir, database_url: str, cases: int) -> list[str]:
    """An MDT chaired by the demo MDT member, a meeting and its `cases` listed: the
    meeting mode paths."""
    gp, chair = PEOPLE["gp"], PEOPLE["mdt-member"]
    team = await mdt.post("CareTeam", {
        "resourceType": "CareTeam", "status": "active", "name": "Bench MDT",
        "category": [{"coding": [{"system": system_url("mdt"), "code": "mdt-locality"}]}],
        "extension": [{"url": extension_url("mdt-locality"), "valueString": "north"}],
        "managingOrganization": [{"identifier": {"system": ODS, "value": gp.organisation}}],
        "participant": [_member(chair, "Community nurse", "core", "chair"),
                        _member(gp, "GP", "core")],
    }, mdt.token("system"))  # fmt: skip
    start = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0).isoformat()
    booked = await mdt.post(
        f"CareTeam/{team['id']}/$schedule-meetings",
        _parameters(("start", "valueDateTime", start), ("durationMinutes", "valueInteger", 120)),
        mdt.token("system"),
    )
    meeting = next(e["resource"]["id"] for e in booked["entry"])
    patients = nhs_numbers_in_test_range(cases, first=900_000 + (os.getpid() % 50) * 1000)
    await _grant(database_url, patients, str(gp.organisation), mdt=True)
    for n, nhs in enumerate(patients):
        await mdt.post(f"CareTeam/{team['id']}/$nominate", _parameters(
            ("patient", "valueIdentifier", {"system": NHS, "value": nhs}),
            ("reason", "valueString", "Falls and carer strain"),
            ("question", "valueString", f"Case {n + 1}: intermediate care?"),
            ("urgency", "valueCode", "routine"),
        ), mdt.token("gp", gp))  # fmt: skip
    listed = await mdt.post(
        f"Appointment/{meeting}/$assemble-case-list", _parameters(), mdt.token("mdt-member", chair)
    )
    return [
        f"/mdt/meetings/{meeting}/cases/{e['item']['reference'].split('/')[1]}"
        for e in listed.get("entry", [])
    ]


async def open_requests(referrals: Fhir, database_url: str, count: int) -> None:
    """`count` open A&G requests from the demo GP's practice to the triage clinician's
    service."""
    gp, triage = PEOPLE["gp"], PEOPLE["triage-clinician"]
    service = await referrals.post("HealthcareService", {
        "resourceType": "HealthcareService", "active": True, "name": "Bench cardiology A&G",
        "providedBy": {"identifier": {"system": ODS, "value": triage.organisation}},
        "specialty": [{"coding": [{"system": "http://snomed.info/sct", "code": "394579002"}]}],
        "characteristic": [{"coding": [
            {"system": system_url("service-characteristic"), "code": "advice-and-guidance"}]}],
    }, referrals.token("system"))  # fmt: skip
    patients = nhs_numbers_in_test_range(count, first=700_000 + (os.getpid() % 50) * 1000)
    await _grant(database_url, patients, str(gp.organisation), mdt=False)
    gate = asyncio.Semaphore(8)

    async def one(nhs: str) -> None:
        body = {
            "resourceType": "ServiceRequest", "status": "active", "intent": "order",
            "category": [{"coding": [{"system": system_url("request-category"),
                                      "code": "advice-and-guidance"}]}],
            "priority": "routine", "subject": {"identifier": {"system": NHS, "value": nhs}},
            "requester": {"identifier": {"system": ODS, "value": gp.organisation}},
            "performer": [{"reference": f"HealthcareService/{service['id']}"}],
            "note": [{"text": "Palpitations for three weeks: Holter first?"}],
        }  # fmt: skip
        async with gate:
            await referrals.post("ServiceRequest", body, referrals.token("gp", gp))

    await asyncio.gather(*(one(nhs) for nhs in patients))


async def analyzed(databases: dict[str, str]) -> None:
    """Planner statistics for the data just made, as a database in use has them
    (autovacuum's ANALYZE): seeded and measured within seconds, the first pages would
    be planned as if the tables were empty. Committed: statistics written inside a
    transaction that is rolled back are lost (only the row counts would stay)."""
    for url in databases.values():
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.begin() as conn:
                await conn.execute(text("ANALYZE"))
        finally:
            await engine.dispose()
