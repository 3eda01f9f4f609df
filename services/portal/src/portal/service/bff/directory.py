"""The service directory as the staff pages need it: my organisation's services, and
the A&G services a GP may ask (by specialty and locality) or a clinician may redirect to.
Directory answers are kept a short while per caller (`bff.cache`): they are no one's
patient data, and the worklist asks for them on every page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from portal.service.bff import referrals_vocabulary as v
from portal.service.bff.cache import get_kept
from portal.service.bff.client import FhirClient
from portal.service.bff.shapes import ServiceOption, service_option

__all__ = ["advice_services", "filter_choices", "services_of"]


def _options(body: dict[str, object]) -> list[ServiceOption]:
    entries = body.get("entry")
    found = [
        service_option(e["resource"])
        for e in (entries if isinstance(entries, list) else [])
        if isinstance(e, dict)
        and (e.get("resource") or {}).get("resourceType") == "HealthcareService"
    ]
    return sorted(found, key=lambda s: (s.specialty, s.name))


def filter_choices(services: Iterable[ServiceOption]) -> dict[str, Sequence[object]]:
    """The choices of a page's filter of `services`: their specialties as (code, name)
    pairs and the localities they cover, each sorted."""
    known = list(services)
    return {
        "specialties": sorted({(s.specialty_code, s.specialty) for s in known}),
        "localities": sorted({loc for s in known for loc in s.localities}),
    }


async def services_of(api: FhirClient, organisation: str) -> list[ServiceOption]:
    """The active services `organisation` provides (its triage clinicians' worklist)."""
    reply = await get_kept(
        api,
        "HealthcareService",
        [
            ("organization:identifier", f"{v.ODS_SYSTEM}|{organisation}"),
            ("active", "true"),
            ("_count", "100"),
        ],
    )
    return _options(reply.body) if reply.ok else []


async def advice_services(
    api: FhirClient, specialty: str = "", locality: str = ""
) -> list[ServiceOption]:
    """Services offering A&G, of `specialty` if given, covering `locality` if given
    (a service naming no locality covers the whole borough)."""
    query = [
        ("characteristic", v.ADVICE_AND_GUIDANCE),
        ("active", "true"),
        ("_count", "100"),
    ]
    if specialty:
        query.append(("specialty", specialty))
    reply = await get_kept(api, "HealthcareService", query)
    found = _options(reply.body) if reply.ok else []
    return [s for s in found if not locality or not s.localities or locality in s.localities]
