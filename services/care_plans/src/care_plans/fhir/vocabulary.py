"""This service's own FHIR vocabulary: extension URLs, code systems and identifier
systems, all under the project's one canonical root.

Each extension and code system is published by the service (`fhir.definitions`) and
documented in its README; identifier systems name CareCoord's own identifiers,
besides the national ones the kernel checks (NHS number, ODS code, SDS user id, UBRN
in `carecoord_shared.fhir.identifiers`).
"""

from __future__ import annotations

from carecoord_shared.fhir.definitions import extension_url, system_url
from carecoord_shared.fhir.operation_definition import CANONICAL_ROOT

PLAN_KIND_SYSTEM = system_url("care-plan-kind")
COORDINATOR_KIND_SYSTEM = system_url("coordinator-kind")
COORDINATOR_ROLE_SYSTEM = system_url("care-team-role")
COORDINATION_ACTIVITY_SYSTEM = system_url("coordination-activity")
MEASURE_BAND_SYSTEM = system_url("measure-band")
EXT_CO_DEVELOPMENT = extension_url("care-plan-co-development")
EXT_AGREEMENT = extension_url("care-plan-patient-agreement")
EXT_LAST_REVIEWED = extension_url("care-plan-last-reviewed")
EXT_END_OF_LIFE = extension_url("end-of-life-preferences")
EXT_TARGET_VERSION = extension_url("provenance-target-version")
EXT_LOCALITY = extension_url("patient-locality")
EXT_TARGET_BAND = extension_url("measure-target-band")

EVENT_ID_SYSTEM = f"{CANONICAL_ROOT}/Id/source-event"
"""Task.identifier of an activity made from another service's fact: the fact
(`ServiceRequest/x#advice-given`, `mdt:Task/y`), so the same fact adds one activity."""

CLIENT_SYSTEM = f"{CANONICAL_ROOT}/Id/client"
"""Provenance.agent.who of a system client, by its client id."""

PATIENT_LOGIN_SYSTEM = f"{CANONICAL_ROOT}/Id/nhs-login-subject"
"""Provenance.agent.who of a patient, by their NHS login subject (never the NHS number)."""
