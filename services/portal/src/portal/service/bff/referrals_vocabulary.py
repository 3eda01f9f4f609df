"""The codes the staff pages send to and read from the referrals service, with the words
people see for them.

Referrals owns these code systems (its README, "Directory conventions" and "Triage
states") under the project's canonical root; the portal spells them the same way and
names them for a person. The rejection reasons are a local coded list, as referrals
asks for a coded reason.
"""

from __future__ import annotations

from typing import Final

from carecoord_shared.fhir.definitions import extension_url, system_url
from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM, ODS_SYSTEM, UBRN_SYSTEM

__all__ = [
    "ADVICE_AND_GUIDANCE",
    "CALL_OUTCOMES",
    "NHS_NUMBER_SYSTEM",
    "ODS_SYSTEM",
    "OUTCOME_LABELS",
    "PROVIDER_OUTCOMES",
    "REJECTION_REASONS",
    "STATE_LABELS",
    "UBRN_SYSTEM",
    "named",
]

REQUEST_CATEGORY: Final = system_url("request-category")
ADVICE_AND_GUIDANCE: Final = "advice-and-guidance"
CONVERSION_AUTHORISED: Final = extension_url("conversion-authorised")
REJECTION_REASON: Final = system_url("rejection-reason")
# Read by name, not by the whole URL: referrals moved its URLs from a legacy root to the
# project's canonical one and still returns data stored under either.
TRIAGE_STATE: Final = "triage-state"
TRIAGE_OUTCOME: Final = "triage-outcome"
REQUEST_CATEGORY_NAME: Final = "request-category"
LOCALITY: Final = "locality"


def named(url: object, name: str) -> bool:
    """Whether a code system or extension URL is referrals' `name` (either root)."""
    return isinstance(url, str) and url.endswith(f"/{name}")


STATE_LABELS: Final = {
    "awaiting-triage": "Provider response required",
    "awaiting-information": "Awaiting information from the referrer",
    "awaiting-conversion-authorisation": "Awaiting the referrer's authorisation to convert",
    "awaiting-routing": "Not yet routed to a service",
    "advice-given": "Advice given",
    "accepted": "Accepted",
    "redirected": "Redirected",
    "rejected": "Rejected",
    "converted": "Converted to a referral",
    "cancelled": "Cancelled",
}

OUTCOME_LABELS: Final = {
    "advice-given": "Give advice (return to referrer)",
    "accepted": "Accept",
    "redirected": "Redirect to another service",
    "rejected": "Reject",
    "information-requested": "Ask the referrer for more information",
    "converted": "Convert to a referral",
    "information-provided": "Information provided",
    "cancelled": "Cancelled",
}
PROVIDER_OUTCOMES: Final = (
    "advice-given",
    "accepted",
    "redirected",
    "rejected",
    "information-requested",
    "converted",
)

REJECTION_REASONS: Final = {
    "wrong-service": "Not the right service for this request",
    "clinically-inappropriate": "Not clinically appropriate",
    "insufficient-information": "Not enough information to triage",
    "duplicate": "Duplicate of another request",
    "manage-in-primary-care": "Can be managed in primary care",
}

CALL_OUTCOMES: Final = {
    "not-conveyed": "Not conveyed (treated at home)",
    "conveyed": "Conveyed to hospital",
    "referred": "Referred to another service",
    "other": "Other",
}
"""What happened to the patient after a paramedic's advice call (`$record-advice-call`)."""

PRIORITIES: Final = ("routine", "urgent")
OPEN_STATES: Final = (
    "awaiting-triage",
    "awaiting-information",
    "awaiting-conversion-authorisation",
)
