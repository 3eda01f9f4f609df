"""The MDT's own vocabulary: its code systems, identifier systems and grant reasons.

National identifier systems (NHS number, ODS code, SDS user id) are the kernel's; the
ones below are this service's concepts, so they live here and nowhere else. The grant
reasons are why this service lets a party see a patient; the kernel refuses any other.
"""

from __future__ import annotations

CODES = "https://carecoord.example/fhir/CodeSystem/mdt"
CASE_STATUS = "https://carecoord.example/fhir/CodeSystem/mdt-case-status"
MEMBERSHIP = "https://carecoord.example/fhir/CodeSystem/mdt-membership"
LOCALITY = "https://carecoord.example/fhir/StructureDefinition/mdt-locality"
TEAM_ID = "https://carecoord.example/fhir/Id/mdt"
"""On a case List: the MDT it belongs to (the membership check reads it)."""
MEETING_ID = "https://carecoord.example/fhir/Id/mdt-meeting"

TEAM_KINDS = {"mdt-locality": "locality", "mdt-nursing-home": "nursing-home"}
"""CareTeam category code -> the kind of MDT."""

REGISTERED_PRACTICE = "registered-practice"
"""The patient's registered practice sees their MDT cases and actions."""
CARE_TEAM = "care-team"
"""The patient's named co-ordinator, for as long as the assignment runs."""
MDT = "mdt"
"""Members of an MDT that has the patient listed."""
GRANT_REASONS = frozenset({REGISTERED_PRACTICE, CARE_TEAM, MDT})
