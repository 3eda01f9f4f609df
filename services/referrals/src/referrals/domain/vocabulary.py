"""The code systems and extensions the referrals service defines, in one place.

FHIR leaves several things this service needs uncoded (whose turn an A&G
conversation is, the response target a service commits to, whether the referrer
lets the provider convert A&G into a referral). Each gets one URL under the project's
canonical root (`CANONICAL_ROOT`): extensions at `…/StructureDefinition/<name>`, code
systems at `…/CodeSystem/<name>`, each published by this service (`fhir.published`)
and documented in the service README. The spellings used before the canonical root
(`LEGACY_ROOT`) are still accepted on input and stored as the canonical ones.
"""

from __future__ import annotations

from typing import Final

CANONICAL_ROOT: Final = "https://fhir.carecoord.example"
"""The project's canonical root (`carecoord_shared.fhir.definitions`), spelt here because
the domain imports nothing that does I/O; a unit test holds the two equal."""


def extension_url(name: str) -> str:
    return f"{CANONICAL_ROOT}/StructureDefinition/{name}"


def system_url(name: str) -> str:
    return f"{CANONICAL_ROOT}/CodeSystem/{name}"


LEGACY_ROOT: Final = "https://carecoord.example"
"""Where this service's URLs lived before the canonical root (still accepted on input)."""

UBRN_SYSTEM: Final = "https://fhir.nhs.uk/Id/ubrn"
"""Unique Booking Reference Number (e-RS): the identifier of every request here."""

REGISTERED_PRACTICE: Final = "registered-practice"
"""Grant reason: the practice the patient is registered at (from the register's events)."""
CARE_TEAM: Final = "care-team"
"""Grant reason: the organisation providing the service a request is routed to."""
ADVICE_CALL_ACCESS: Final = "advice-call"
"""Grant reason (and audit purpose): a paramedic's time-limited access after an advice call."""
GRANT_REASONS: Final = frozenset({REGISTERED_PRACTICE, CARE_TEAM, ADVICE_CALL_ACCESS})

REQUEST_CATEGORY: Final = system_url("request-category")
"""`advice-and-guidance` or `referral` (ServiceRequest.category)."""
ADVICE_AND_GUIDANCE: Final = "advice-and-guidance"
REFERRAL: Final = "referral"
CATEGORIES: Final = (ADVICE_AND_GUIDANCE, REFERRAL)
SNOMED: Final = "http://snomed.info/sct"
SNOMED_REFERRAL: Final = "3457005"
"""SNOMED CT "Patient referral": accepted as the referral category too."""

CONVERSION_AUTHORISED_EXTENSION: Final = extension_url("conversion-authorised")
"""ServiceRequest extension (valueBoolean): the referrer lets the provider convert A&G to
a referral. (FHIR allows `orderDetail` only with a `code`, invariant prr-1.)"""
LEGACY_REFERRER_AUTHORISATION: Final = f"{LEGACY_ROOT}/referrer-authorisation"
CONVERSION_AUTHORISED: Final = "conversion-authorised"
"""The code an older client puts in `orderDetail` (system `LEGACY_REFERRER_AUTHORISATION`)
for the same authorisation; stored as the extension."""

TRIAGE_STATE_EXTENSION: Final = extension_url("triage-state")
"""ServiceRequest extension (valueCode): where the request is in triage, searchable."""
CONVERTED_TO_EXTENSION: Final = extension_url("converted-to")
"""ServiceRequest extension (valueReference): the referral an A&G request became."""
TRIAGE_STATE: Final = system_url("triage-state")
"""Task.businessStatus of a triage Task (see `domain.triage.TriageState`)."""
TRIAGE_OUTCOME: Final = system_url("triage-outcome")
TASK_CODE: Final = system_url("referral-task")
"""Task.code: `triage`, `information-request`, `conversion-request`, `escalation`."""
TASK_CODES: Final = ("triage", "information-request", "conversion-request", "escalation")
AWAITING_ROUTING: Final = "awaiting-routing"
"""Triage state of a request naming neither a service nor a specialty: kept, not triaged."""

RESPONSE_TARGET: Final = extension_url("response-target")
"""HealthcareService extension: sub-extensions `priority` (code) and `workingDays`."""
SERVES_LOCALITY: Final = system_url("locality")
"""HealthcareService.characteristic in this system: a locality the service covers.
The same system the directory uses for a practice Organization's locality type."""
SERVICE_CHARACTERISTIC: Final = system_url("service-characteristic")
OFFERS_ADVICE: Final = "advice-and-guidance"
SERVICE_TYPE: Final = system_url("service-type")
ADVICE_LINE: Final = "advice-line"

PRIORITIES: Final = ("routine", "urgent")
DEFAULT_TARGET_DAYS: Final = {"routine": 10, "urgent": 2}
"""NHS England 2025/26 (as reported, DOMAIN.md): routine A&G within 10 days, urgent
within 24-48 hours; used when a service publishes no target of its own."""

RINGING_ORDER: Final = extension_url("ringing-order")
"""PractitionerRole extension (valuePositiveInt): place in an advice line's ringing order."""
ADVICE_CALL_OUTCOME: Final = extension_url("advice-call-outcome")
"""Communication extension (valueCode): conveyed, not-conveyed, referred or other."""
FOLLOW_UP_NEEDED: Final = extension_url("follow-up-needed")
COMMUNICATION_CATEGORY: Final = system_url("communication-category")
ADVICE_CALL: Final = "advice-call"
CALL_OUTCOMES: Final = ("conveyed", "not-conveyed", "referred", "other")
PHONE_MODE: Final = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"

RESPONSE_REPORT: Final = system_url("response-report")
"""MeasureReport.group codes of the response report."""
RESPONSE_TIME_MEASURE: Final = f"{CANONICAL_ROOT}/Measure/response-time"
AVOIDED_CONVEYANCE_MEASURE: Final = f"{CANONICAL_ROOT}/Measure/avoided-conveyance"

LEGACY_NAMES: Final = (
    "request-category",
    "triage-state",
    "triage-outcome",
    "referral-task",
    "locality",
    "service-characteristic",
    "service-type",
    "communication-category",
)
"""Local code systems whose URL was `LEGACY_ROOT/<name>` before the canonical root."""
LEGACY_EXTENSIONS: Final = (
    "triage-state",
    "converted-to",
    "response-target",
    "ringing-order",
    "advice-call-outcome",
    "follow-up-needed",
)
