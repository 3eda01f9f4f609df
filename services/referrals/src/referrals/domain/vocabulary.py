"""The code systems and extensions the referrals service defines, in one place.

FHIR leaves several things this service needs uncoded (whose turn an A&G
conversation is, the response target a service commits to, whether the referrer
lets the provider convert A&G into a referral). Each gets one local URL under
`https://carecoord.example/fhir/`, documented in the service README, so GP systems
and the service directory spell them the same way.
"""

from __future__ import annotations

from typing import Final

LOCAL: Final = "https://carecoord.example/fhir"

REQUEST_CATEGORY: Final = f"{LOCAL}/CodeSystem/request-category"
"""`advice-and-guidance` or `referral` (ServiceRequest.category)."""
ADVICE_AND_GUIDANCE: Final = "advice-and-guidance"
REFERRAL: Final = "referral"
SNOMED: Final = "http://snomed.info/sct"
SNOMED_REFERRAL: Final = "3457005"
"""SNOMED CT "Patient referral": accepted as the referral category too."""

REFERRER_AUTHORISATION: Final = f"{LOCAL}/CodeSystem/referrer-authorisation"
CONVERSION_AUTHORISED: Final = "conversion-authorised"
"""ServiceRequest.orderDetail code: the referrer lets the provider convert A&G to a referral."""

TRIAGE_STATE: Final = f"{LOCAL}/CodeSystem/triage-state"
"""Task.businessStatus of a triage Task (see `domain.triage.TriageState`)."""
TRIAGE_OUTCOME: Final = f"{LOCAL}/CodeSystem/triage-outcome"
TASK_CODE: Final = f"{LOCAL}/CodeSystem/referral-task"
"""Task.code: `triage`, `information-request`, `conversion-request`, `escalation`."""
REJECTION_REASON: Final = f"{LOCAL}/CodeSystem/rejection-reason"

RESPONSE_TARGET: Final = f"{LOCAL}/StructureDefinition/response-target"
"""HealthcareService extension: sub-extensions `priority` (code) and `workingDays`."""
SERVES_LOCALITY: Final = "https://carecoord.example/locality"
"""HealthcareService.characteristic in this system: a locality the service covers.
The same system the directory uses for a practice Organization's locality type."""
SERVICE_CHARACTERISTIC: Final = "https://carecoord.example/service-characteristic"
OFFERS_ADVICE: Final = "advice-and-guidance"
SERVICE_TYPE: Final = "https://carecoord.example/service-type"
ADVICE_LINE: Final = "advice-line"

PRIORITIES: Final = ("routine", "urgent")
DEFAULT_TARGET_DAYS: Final = {"routine": 10, "urgent": 2}
"""NHS England 2025/26 (as reported, DOMAIN.md): routine A&G within 10 days, urgent
within 24-48 hours; used when a service publishes no target of its own."""
