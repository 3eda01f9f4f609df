"""A registration on the register gives the patient's practice its grant in the portal.

So the practice's staff can see their patients' front-door requests and the duty
clinician's callback Tasks here, as they can in the other services (the kernel's
registration projection; the portal only declares it).
"""

from __future__ import annotations

from carecoord_shared.projections import registration_grants_access
from carecoord_shared.service import Consumer

REGISTERED_PRACTICE = "registered-practice"

CONSUMER = Consumer(
    "carecoord.patient.registered.v1",
    lambda settings: settings.care_plans_topic,
    registration_grants_access(REGISTERED_PRACTICE),
    group="registrations",
)
