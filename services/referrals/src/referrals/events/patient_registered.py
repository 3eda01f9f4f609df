"""`carecoord.patient.registered.v1`: the registered practice may see the patient.

A registration from the register (care_plans) becomes this service's own record of
which practice may see which patient (the "same registered practice" relationship),
so a GP refers and follows their own patients and no one else's; a move ends the
previous practice's access. The kernel's projection does it, with this service's
grant reason.
"""

from __future__ import annotations

from carecoord_shared.projections import registration_grants_access
from referrals.domain.vocabulary import REGISTERED_PRACTICE
from referrals.events import from_care_plans

EVENT_TYPE = "carecoord.patient.registered.v1"

CONSUMER = from_care_plans(EVENT_TYPE, registration_grants_access(REGISTERED_PRACTICE))
