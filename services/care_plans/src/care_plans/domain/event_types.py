"""The event types this service publishes and consumes: the contract in docs/EVENTS.md.

Other services consume what care_plans publishes by these exact names, so they are
written once, here; the JSON Schema of each published type is in `events/schemas/`.
"""

from __future__ import annotations

from typing import Final

# Published on this service's topic, keyed by the patient's NHS number.
PATIENT_REGISTERED: Final = "carecoord.patient.registered.v1"
"""A patient joined the register, changed practice or left it."""
COHORT_CHANGED: Final = "carecoord.patient.cohort-changed.v1"
"""The patient entered or left a cohort (long-term condition, frailty, end of life)."""
COORDINATOR_ASSIGNED: Final = "carecoord.coordinator.assigned.v1"
"""A named co-ordinator or cover started (with the one they replaced, if any)."""
COORDINATOR_ENDED: Final = "carecoord.coordinator.ended.v1"
"""An assignment ended: a handover, or its period ran out."""
PLAN_REVISED: Final = "carecoord.careplan.revised.v1"
"""A care plan was created or changed: its review date and end-of-life preferences,
and who contributed the change."""
REVIEW_DUE: Final = "carecoord.careplan.review-due.v1"
"""A plan's review fell due (once per due date)."""
ACTIVITY_ADDED: Final = "carecoord.careplan.activity-added.v1"
"""An activity made from another service's fact was linked to the plan."""

# Consumed from the referrals service's topic.
REFERRAL_SUBMITTED: Final = "carecoord.referral.submitted.v1"
REFERRAL_REVISED: Final = "carecoord.referral.revised.v1"
REFERRAL_WITHDRAWN: Final = "carecoord.referral.withdrawn.v1"
REFERRAL_TRIAGED: Final = "carecoord.referral.triaged.v1"

# Consumed from the MDT service's topic.
MDT_ACTION_ASSIGNED: Final = "carecoord.mdt.action-assigned.v1"
MDT_OUTCOME_RECORDED: Final = "carecoord.mdt.outcome-recorded.v1"
MDT_ACTION_ACKNOWLEDGED: Final = "carecoord.mdt.action-acknowledged.v1"
MDT_ACTION_COMPLETED: Final = "carecoord.mdt.action-completed.v1"
