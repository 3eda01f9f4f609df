"""The demo borough's service directory: organisations, specialty services, clinicians.

DOMAIN.md ("Demo data") describes a borough of 46 practices in five localities with
an acute trust, a mental health trust, a community provider, the council, a council
for voluntary services and the regional ambulance service. This module writes that
directory as FHIR for the referrals service: Organizations by made-up ODS-like code
(`Y0` + locality digit + number for practices, `Y0T...` for trusts), the
specialties commissioners named as HealthcareServices (SNOMED CT practice-setting
codes where one exists, else the local `https://carecoord.example/specialty`
system), paramedic advice lines, and PractitionerRoles for triage clinicians and
on-call specialists. Everything is fixed or drawn from a seeded random generator,
so every load produces the same directory.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from urllib.parse import urlencode

from carecoord_devstack.demo_data.model import (
    LOCAL,
    SCT,
    JsonObject,
    Seed,
    concept,
    identifier,
    organisation_ref,
)
from carecoord_devstack.demo_data.names import FAMILY, FEMALE, MALE, PLACES
from carecoord_shared.fhir.identifiers import ODS_SYSTEM, SDS_USER_SYSTEM

__all__ = [
    "ACUTE",
    "AMBULANCE",
    "COMMUNITY",
    "COUNCIL",
    "ICB",
    "LOCALITIES",
    "MENTAL_HEALTH",
    "Org",
    "Practice",
    "clinician_sds_id",
    "directory_seeds",
    "practices",
]

ORG_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
SERVICE_ID = f"{LOCAL}/healthcare-service"
ROLE_PROFILE = "https://fhir.nhs.uk/Id/sds-role-profile-id"
LOCALITIES = ("North Eastmoor", "Riverside", "Town Centre", "Hillcrest", "Southfields")
PRACTICES_PER_LOCALITY = (10, 9, 9, 9, 9)  # 46 practices (DOMAIN.md)


@dataclass(frozen=True, slots=True)
class Org:
    ods: str
    name: str
    kind: str  # HL7 organization-type code
    kind_text: str


@dataclass(frozen=True, slots=True)
class Practice:
    ods: str
    name: str
    locality: str


ACUTE = Org("Y0T001", "Eastmoor Hospitals NHS Foundation Trust", "prov", "Acute trust")
MENTAL_HEALTH = Org(
    "Y0T002", "Eastmoor and District Mental Health NHS Trust", "prov", "Mental health trust"
)
COMMUNITY = Org("Y0T003", "Eastmoor Community Health Services", "prov", "Community provider")
AMBULANCE = Org(
    "Y0T004", "Eastmoor Regional Ambulance Service NHS Trust", "prov", "Ambulance service"
)
COUNCIL = Org("Y0C001", "Eastmoor Borough Council", "govt", "Local authority")
CVS = Org("Y0V001", "Eastmoor Council for Voluntary Service", "cg", "Council for voluntary service")
ICB = Org("Y0Q001", "NHS Eastmoor Integrated Care Board", "govt", "Integrated care board")
PARTNERS = (ACUTE, MENTAL_HEALTH, COMMUNITY, AMBULANCE, COUNCIL, CVS, ICB)

# (specialty, code system, code, display) - SNOMED CT practice-setting codes where
# one exists (FHIR value set c80-practice-codes), else a clearly local code.
_SPECIALTIES: dict[str, tuple[str, str, str]] = {
    "Ophthalmology": (SCT, "394594003", "Ophthalmology"),
    "Urology": (SCT, "394612005", "Urology"),
    "ENT": (SCT, "418960008", "Otolaryngology"),
    "Rheumatology": (SCT, "394810000", "Rheumatology"),
    "Diabetes": (SCT, "408475000", "Diabetic medicine"),
    "Respiratory": (SCT, "418112009", "Pulmonary medicine"),
    "Cardiology": (SCT, "394579002", "Cardiology"),
    "Renal": (SCT, "394589003", "Nephrology"),
    "Neurology": (SCT, "394591006", "Neurology"),
    "Gastroenterology": (SCT, "394584008", "Gastroenterology"),
    "Elderly care": (SCT, "394811001", "Geriatric medicine"),
    "Mental Health": (SCT, "394587001", "Psychiatry"),
    "MSK": (f"{LOCAL}/specialty", "msk", "Musculoskeletal service"),
    "IAPT": (f"{LOCAL}/specialty", "iapt", "Improving Access to Psychological Therapies"),
    "Early Intervention Service": (
        f"{LOCAL}/specialty",
        "early-intervention",
        "Early Intervention in Psychosis",
    ),
}
_OFFERED: dict[Org, tuple[str, ...]] = {
    ACUTE: (
        "Ophthalmology",
        "Urology",
        "ENT",
        "Rheumatology",
        "Diabetes",
        "Respiratory",
        "Cardiology",
        "Renal",
        "Neurology",
        "Gastroenterology",
        "Elderly care",
    ),
    MENTAL_HEALTH: ("Mental Health", "IAPT", "Early Intervention Service"),
    COMMUNITY: ("MSK", "Diabetes", "Respiratory", "Elderly care"),
}
# Paramedic advice lines (DOMAIN.md "Paramedic advice lines"); numbers are from
# Ofcom's 01632 960xxx range reserved for drama, so they ring nobody.
_ADVICE_LINES: tuple[tuple[Org, str, str], ...] = (
    (ACUTE, "Elderly care", "01632 960101"),
    (ACUTE, "Cardiology", "01632 960102"),
    (COMMUNITY, "Respiratory", "01632 960103"),
    (MENTAL_HEALTH, "Mental Health", "01632 960104"),
)
_RESPONSE_TARGET = "Routine advice & guidance within 5 working days; urgent within 2 working days."
# The same targets, machine-readable: the referrals service computes due dates from
# this extension (services/referrals/README.md, "Directory conventions").
_TARGETS = (("routine", 5), ("urgent", 2))
_SD = f"{LOCAL}/StructureDefinition"
_WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
# On-call rota of each advice line (ringing order, hours): a day-time specialist on
# weekdays rung first, and a consultant who covers round the clock rung next.
_ROTA = (
    (
        1,
        {"daysOfWeek": _WEEKDAYS, "availableStartTime": "08:00:00", "availableEndTime": "18:00:00"},
    ),
    (2, {"allDay": True}),
)


def practices() -> list[Practice]:
    """The 46 practices: `Y0` + locality digit + three digits, named after places."""
    rng = random.Random("eastmoor-practices")  # noqa: S311 - demo data, not security
    places = rng.sample(PLACES, sum(PRACTICES_PER_LOCALITY))
    suffixes = ("Surgery", "Medical Centre", "Health Centre", "Medical Practice", "Group Practice")
    found: list[Practice] = []
    for number, (locality, count) in enumerate(
        zip(LOCALITIES, PRACTICES_PER_LOCALITY, strict=True), start=1
    ):
        for index in range(1, count + 1):
            name = f"{places[len(found)]} {rng.choice(suffixes)}"
            found.append(Practice(f"Y0{number}{index:03d}", name, locality))
    return found


def clinician_sds_id(index: int) -> str:
    """A made-up 12-digit SDS-like user id (clinicians are 5550000001xx)."""
    return f"5550000001{index:02d}"


def _specialty(name: str) -> JsonObject:
    return concept(*_SPECIALTIES[name])


def _seed(resource: JsonObject, system: str, value: str) -> Seed:
    return Seed("referrals", resource, urlencode({"identifier": f"{system}|{value}"}))


def _organisation(ods: str, name: str, kind: str, kind_text: str, locality: str | None) -> Seed:
    types = [{"coding": [{"system": ORG_TYPE, "code": kind}], "text": kind_text}]
    address: JsonObject = {"city": "Eastmoor", "country": "GB"}
    if locality:  # the locality as a searchable type, e.g. type=...|locality-2
        code = f"locality-{LOCALITIES.index(locality) + 1}"
        types.append(concept(f"{LOCAL}/locality", code, locality))
        address["district"] = locality
    resource = {
        "resourceType": "Organization",
        "identifier": [identifier(ODS_SYSTEM, ods)],
        "active": True,
        "type": types,
        "name": name,
        "address": [address],
    }
    return _seed(resource, ODS_SYSTEM, ods)


def _service(org: Org, specialty: str, phone: str | None) -> Seed:
    slug = specialty.lower().replace(" ", "-")
    key = f"{org.ods}-{slug}" + ("-advice-line" if phone else "")
    name = f"{specialty} paramedic advice line" if phone else specialty
    kind = ("advice-line", "Advice line") if phone else ("specialist-service", "Specialist service")
    resource: JsonObject = {
        "resourceType": "HealthcareService",
        "identifier": [identifier(SERVICE_ID, key)],
        "active": True,
        "providedBy": organisation_ref(org.ods, org.name),
        "type": [concept(f"{LOCAL}/service-type", *kind)],
        "specialty": [_specialty(specialty)],
        "name": f"{name} ({org.name})",
    }
    if phone:
        resource["telecom"] = [{"system": "phone", "value": phone, "use": "work"}]
        resource["comment"] = "For paramedics and 111 clinicians with a patient in front of them."
    else:
        resource["characteristic"] = [
            concept(
                f"{LOCAL}/service-characteristic", "advice-and-guidance", "Offers advice & guidance"
            )
        ]
        resource["comment"] = _RESPONSE_TARGET
        resource["extension"] = [
            {
                "url": f"{_SD}/response-target",
                "extension": [
                    {"url": "priority", "valueCode": priority},
                    {"url": "workingDays", "valuePositiveInt": days},
                ],
            }
            for priority, days in _TARGETS
        ]
    if phone:
        resource["availableTime"] = [{"allDay": True}]
    return _seed(resource, SERVICE_ID, key)


def _clinician(
    index: int,
    service: Seed,
    role: tuple[str, str],
    rng: random.Random,
    rota: int | None = None,
) -> Seed:
    resource = service.resource
    given = rng.choice(rng.choice((FEMALE, MALE)))
    sds = clinician_sds_id(index)
    profile = f"5551000001{index:02d}"
    role_resource = {
        "resourceType": "PractitionerRole",
        "identifier": [identifier(ROLE_PROFILE, profile)],
        "active": True,
        "practitioner": {
            "type": "Practitioner",
            "identifier": identifier(SDS_USER_SYSTEM, sds),
            "display": f"Dr {given} {rng.choice(FAMILY)}",
        },
        "organization": resource["providedBy"],
        "healthcareService": [
            {
                "type": "HealthcareService",
                "identifier": resource["identifier"][0],
                "display": resource["name"],
            }
        ],
        "code": [concept(f"{LOCAL}/practitioner-role", *role)],
        "specialty": resource["specialty"],
    }
    if rota is not None:  # an on-call specialist: when, in which order, on which phone
        order, hours = _ROTA[rota]
        role_resource["availableTime"] = [hours]
        role_resource["telecom"] = [{"system": "phone", "value": f"07700 900{index:03d}"}]
        role_resource["extension"] = [{"url": f"{_SD}/ringing-order", "valuePositiveInt": order}]
    return _seed(role_resource, ROLE_PROFILE, profile)


def directory_seeds() -> list[list[Seed]]:
    """Stages for the referrals service: organisations, then services and clinicians."""
    organisations = [
        _organisation(p.ods, p.name, "prov", "GP practice", p.locality) for p in practices()
    ]
    organisations += [_organisation(o.ods, o.name, o.kind, o.kind_text, None) for o in PARTNERS]
    specialist = [_service(org, name, None) for org, names in _OFFERED.items() for name in names]
    lines = [_service(org, name, phone) for org, name, phone in _ADVICE_LINES]
    rng = random.Random("eastmoor-clinicians")  # noqa: S311 - demo data, not security
    triage = ("triage-clinician", "Triage clinician")
    on_call = ("on-call-specialist", "On-call specialist")
    clinicians = [_clinician(i, s, triage, rng) for i, s in enumerate(specialist, start=1)]
    clinicians += [
        _clinician(len(specialist) + 1 + i, line, on_call, rng, rota=i % len(_ROTA))
        for i, line in enumerate(line for line in lines for _rota in range(len(_ROTA)))
    ]
    return [organisations, specialist + lines + clinicians]
