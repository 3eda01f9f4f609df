"""The code systems and extensions the referrals service defines, in one place.

FHIR leaves several things this service needs uncoded (whose turn an A&G
conversation is, the response target a service commits to, whether the referrer
lets the provider convert A&G into a referral). Each gets one local URL under
`https://carecoord.example/` (the root the demo directory uses too), documented in
the service README, so GP systems and the service directory spell them the same way.
"""

from __future__ import annotations

from typing import Final

LOCAL: Final = "https://carecoord.example"

UBRN_SYSTEM: Final = "https://fhir.nhs.uk/Id/ubrn"
"""Unique Booking Reference Number (e-RS): the identifier of every request here."""

REGISTERED_PRACTICE: Final = "registered-practice"
"""Grant reason: the practice the patient is registered at (from the register's events)."""
CARE_TEAM: Final = "care-team"
"""Grant reason: the organisation providing the service a request is routed to."""
ADVICE_CALL_ACCESS: Final = "advice-call"
"""Grant reason (and audit purpose): a paramedic's time-limited access after an advice call."""
GRANT_REASONS: Final = frozenset({REGISTERED_PRACTICE, CARE_TEAM, ADVICE_CALL_ACCESS})

REQUEST_CATEGORY: Final = f"{LOCAL}/request-category"
"""`advice-and-guidance` or `referral` (ServiceRequest.category)."""
REQUEST_CATEGORY_ALIASES: Final = (REQUEST_CATEGORY, f"{LOCAL}/fhir/CodeSystem/request-category")
"""Both spellings in use in the project (the devstack benchmark writes the second)."""
ADVICE_AND_GUIDANCE: Final = "advice-and-guidance"
REFERRAL: Final = "referral"
SNOMED: Final = "http://snomed.info/sct"
SNOMED_REFERRAL: Final = "3457005"
"""SNOMED CT "Patient referral": accepted as the referral category too."""

REFERRER_AUTHORISATION: Final = f"{LOCAL}/referrer-authorisation"
CONVERSION_AUTHORISED: Final = "conversion-authorised"
"""ServiceRequest.orderDetail code: the referrer lets the provider convert A&G to a referral."""

TRIAGE_STATE_EXTENSION: Final = f"{LOCAL}/StructureDefinition/triage-state"
"""ServiceRequest extension (valueCode): where the request is in triage, searchable."""
CONVERTED_TO_EXTENSION: Final = f"{LOCAL}/StructureDefinition/converted-to"
"""ServiceRequest extension (valueReference): the referral an A&G request became."""
TRIAGE_STATE: Final = f"{LOCAL}/triage-state"
"""Task.businessStatus of a triage Task (see `domain.triage.TriageState`)."""
TRIAGE_OUTCOME: Final = f"{LOCAL}/triage-outcome"
TASK_CODE: Final = f"{LOCAL}/referral-task"
"""Task.code: `triage`, `information-request`, `conversion-request`, `escalation`."""
REJECTION_REASON: Final = f"{LOCAL}/rejection-reason"
AWAITING_ROUTING: Final = "awaiting-routing"
"""Triage state of a request naming neither a service nor a specialty: kept, not triaged."""

RESPONSE_TARGET: Final = f"{LOCAL}/StructureDefinition/response-target"
"""HealthcareService extension: sub-extensions `priority` (code) and `workingDays`."""
SERVES_LOCALITY: Final = f"{LOCAL}/locality"
"""HealthcareService.characteristic in this system: a locality the service covers.
The same system the directory uses for a practice Organization's locality type."""
SERVICE_CHARACTERISTIC: Final = f"{LOCAL}/service-characteristic"
OFFERS_ADVICE: Final = "advice-and-guidance"
SERVICE_TYPE: Final = f"{LOCAL}/service-type"
ADVICE_LINE: Final = "advice-line"

PRIORITIES: Final = ("routine", "urgent")
DEFAULT_TARGET_DAYS: Final = {"routine": 10, "urgent": 2}
"""NHS England 2025/26 (as reported, DOMAIN.md): routine A&G within 10 days, urgent
within 24-48 hours; used when a service publishes no target of its own."""

RINGING_ORDER: Final = f"{LOCAL}/StructureDefinition/ringing-order"
"""PractitionerRole extension (valuePositiveInt): place in an advice line's ringing order."""
ADVICE_CALL_OUTCOME: Final = f"{LOCAL}/StructureDefinition/advice-call-outcome"
"""Communication extension (valueCode): conveyed, not-conveyed, referred or other."""
FOLLOW_UP_NEEDED: Final = f"{LOCAL}/StructureDefinition/follow-up-needed"
COMMUNICATION_CATEGORY: Final = f"{LOCAL}/communication-category"
ADVICE_CALL: Final = "advice-call"
CALL_OUTCOMES: Final = ("conveyed", "not-conveyed", "referred", "other")
PHONE_MODE: Final = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
