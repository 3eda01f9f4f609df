"""`carecoord.patient.registered.v1`: the registered practice may see the patient.

A registration from the register (care_plans) becomes this service's own record of
which practice may see which patient (the "same registered practice" relationship),
so a GP refers and follows their own patients and no one else's; a move ends the
previous practice's access. The kernel's projection does it, with this service's
grant reason.
"""

from __future__ import annotations

from carecoord_shared.projections import registration_grants_access
from carecoord_shared.service import Consumer
from referrals.domain.vocabulary import REGISTERED_PRACTICE

EVENT_TYPE = "carecoord.patient.registered.v1"

CONSUMER = Consumer(
    EVENT_TYPE,
    topic=lambda settings: settings.care_plans_topic,
    handler=registration_grants_access(REGISTERED_PRACTICE),
    group="registrations",
)
