"""Which service a request goes to: the one named, or the one for the patient's locality.

A GP may name the HealthcareService (`performer`) or only the specialty
(`performerType`). Then the request goes to the active service of that specialty
that covers the referring practice's locality (the practice Organization's
locality type in the directory this service owns); a service that lists no
localities covers the whole borough. A&G requests only go to services offering A&G,
and advice lines never take written requests.
"""

from __future__ import annotations

from carecoord_shared.fhir.identifiers import ODS_SYSTEM
from carecoord_shared.fhir.outcome import FhirError, JsonObject, business_rule
from carecoord_shared.fhir.unit_of_work import FhirReads
from carecoord_shared.store.repository import StoredResource
from referrals.domain import vocabulary as v
from referrals.fhir.shapes import codes, ods_of, performer_service_id


async def named_service(tx: FhirReads, service_id: str) -> StoredResource:
    try:
        found = await tx.read("HealthcareService", service_id)
    except FhirError as error:
        if error.status in (404, 410):
            raise business_rule(
                f"HealthcareService/{service_id[:64]} is not in the directory",
                ("ServiceRequest.performer",),
            ) from None
        raise
    if found.as_json().get("active") is False:
        raise business_rule("The named service is not active", ("ServiceRequest.performer",))
    return found


async def practice_locality(tx: FhirReads, practice: str) -> str | None:
    found = await tx.search("Organization", [("identifier", f"{ODS_SYSTEM}|{practice}")])
    for organisation in found.matches:
        localities = codes(organisation.as_json().get("type"), v.SERVES_LOCALITY)
        if localities:
            return localities[0]
    return None


def takes(service: JsonObject, category: str) -> bool:
    """Whether a service takes written requests of `category` (A&G needs the A&G offer)."""
    if v.ADVICE_LINE in codes(service.get("type"), v.SERVICE_TYPE):
        return False
    offers = codes(service.get("characteristic"), v.SERVICE_CHARACTERISTIC)
    return category != v.ADVICE_AND_GUIDANCE or v.OFFERS_ADVICE in offers


async def route(tx: FhirReads, request: JsonObject, category: str, practice: str) -> StoredResource:
    """The HealthcareService the request goes to (422 when there is none)."""
    service_id = performer_service_id(request)
    if service_id is not None:
        return await named_service(tx, service_id)
    specialties = [
        f"{c.get('system', '')}|{c['code']}"
        for c in (request.get("performerType") or {}).get("coding", [])
        if c.get("code")
    ]
    if not specialties:
        raise business_rule(
            "Name a HealthcareService in performer, or a specialty in performerType",
            ("ServiceRequest.performer",),
        )
    found = await tx.search(
        "HealthcareService",
        [
            ("specialty", ",".join(specialties)),
            ("active", "true"),
            ("_count", "100"),
        ],
    )
    candidates: list[tuple[StoredResource, list[str]]] = []  # each with the localities it serves
    for service in sorted(found.matches, key=lambda service: service.id):
        body = service.as_json()
        if takes(body, category):
            candidates.append((service, codes(body.get("characteristic"), v.SERVES_LOCALITY)))
    # The practice's locality is looked up only when a candidate serves some localities.
    served = any(localities for _, localities in candidates)
    locality = await practice_locality(tx, practice) if served else None
    local = [s for s, localities in candidates if locality in localities]
    boroughwide = [s for s, localities in candidates if not localities]
    for choice in (local, boroughwide):
        if choice:
            return choice[0]
    raise business_rule(
        "No active service of that specialty takes this request for the practice's locality",
        ("ServiceRequest.performerType",),
    )


def provider_of(service: StoredResource) -> str | None:
    """The ODS code of the organisation that provides the service."""
    return ods_of(service.as_json().get("providedBy"))
