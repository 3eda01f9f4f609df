"""The MDT's own vocabulary: its code systems, identifier systems and grant reasons.

The codes of each of the service's code systems (their URLs, under the project's
canonical root, are `mdt.fhir.systems`; each is published with every code it holds by
`mdt.fhir.definitions`, so a vendor's validator knows them). The grant reasons are
why this service lets a party see a patient; the kernel refuses any other.
"""

from __future__ import annotations

MDT_CODES = {
    "mdt-locality": "Locality MDT",
    "mdt-nursing-home": "Nursing-home MDT",
    "mdt-meeting": "MDT meeting",
    "mdt-case-list": "MDT case list",
    "mdt-case": "A case for MDT discussion",
    "mdt-action": "An action agreed at an MDT",
    "mdt-overflow-notice": "Notice that a case moved to a later meeting",
    "mdt-outcome-record": "MDT outcome record",
    "ready": "Ready for discussion",
    "not-ready": "Not ready for discussion",
}
CASE_STATUS_CODES = {
    "listed": "Listed",
    "prepared": "Prepared",
    "discussed": "Discussed",
    "deferred": "Deferred",
    "not-discussed": "Not discussed",
    "assigned": "Assigned",
    "acknowledged": "Acknowledged",
    "completed": "Completed",
    "overdue": "Overdue",
}
MEMBERSHIP_CODES = {"core": "Core member", "extended": "Extended member", "chair": "Chair"}

TEAM_KINDS = {"mdt-locality": "locality", "mdt-nursing-home": "nursing-home"}
"""CareTeam category code -> the kind of MDT."""

REGISTERED_PRACTICE = "registered-practice"
"""The patient's registered practice sees their MDT cases and actions."""
CARE_TEAM = "care-team"
"""The patient's named co-ordinator, for as long as the assignment runs."""
MDT = "mdt"
"""Members of an MDT that has the patient listed."""
GRANT_REASONS = frozenset({REGISTERED_PRACTICE, CARE_TEAM, MDT})
