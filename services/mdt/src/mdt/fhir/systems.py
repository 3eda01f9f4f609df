"""The URLs of the MDT's own systems, under the project's one canonical root.

National identifier systems (NHS number, ODS code, SDS user id) are the kernel's; the
ones below are this service's concepts, so they live here and nowhere else. Each
code system and the extension are published by `mdt.fhir.definitions`.
"""

from __future__ import annotations

from carecoord_shared.fhir.definitions import extension_url, system_url
from carecoord_shared.fhir.operation_definition import CANONICAL_ROOT

CODES = system_url("mdt")
CASE_STATUS = system_url("mdt-case-status")
MEMBERSHIP = system_url("mdt-membership")
LOCALITY = extension_url("mdt-locality")
TEAM_ID = f"{CANONICAL_ROOT}/Id/mdt"
"""On a case List: the MDT it belongs to (the membership check reads it)."""
MEETING_ID = f"{CANONICAL_ROOT}/Id/mdt-meeting"

LEGACY_ROOT = "https://carecoord.example/fhir"
"""Where these systems lived before issue 14: still read on a CareTeam a client sends."""
