"""Why this service lets a party see a patient: its grant reasons.

The kernel keeps the grants and checks every read and write against them; the
reasons are this service's vocabulary, registered in its declaration (the kernel
refuses a reason nobody registered):
- `registered-practice`: the patient's registered GP practice (Patient.generalPractitioner,
  by ODS code) sees them; DOMAIN.md, "the registered GP is the lead co-ordinator";
- `care-team`: a named co-ordinator or cover sees the patient while assigned (by SDS
  user id), for the period of the assignment.
"""

from __future__ import annotations

from typing import Final

REGISTERED_PRACTICE: Final = "registered-practice"
CARE_TEAM: Final = "care-team"
GRANT_REASONS: Final = frozenset({REGISTERED_PRACTICE, CARE_TEAM})
