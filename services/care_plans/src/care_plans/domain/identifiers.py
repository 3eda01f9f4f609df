"""Identifier systems this service writes, besides the national ones the kernel checks
(NHS number, ODS code, SDS user id in `carecoord_shared.fhir.identifiers`).

Local systems are CareCoord's own and are documented in the service README.
"""

from __future__ import annotations

from care_plans.domain.codes import LOCAL

EVENT_ID_SYSTEM = f"{LOCAL}/Id/source-event"
"""Task.identifier of an activity made from another service's fact: the fact
(`ServiceRequest/x#advice-given`, `mdt:Task/y`), so the same fact adds one activity."""

CLIENT_SYSTEM = f"{LOCAL}/Id/client"
"""Provenance.agent.who of a system client, by its client id."""

PATIENT_LOGIN_SYSTEM = f"{LOCAL}/Id/nhs-login-subject"
"""Provenance.agent.who of a patient, by their NHS login subject (never the NHS number)."""

UBRN_SYSTEM = "https://fhir.nhs.uk/Id/ubrn"
"""The e-RS Unique Booking Reference Number of a request, as referral events carry it
(an activity's `basedOn`); the referrals service owns it."""
