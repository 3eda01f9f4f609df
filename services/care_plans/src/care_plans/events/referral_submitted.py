"""`referral.submitted`: a new advice & guidance request or referral joins this
service's projection of referral activity, and the patient's risk score (which counts
their requests of the last 12 months) is recomputed."""

from __future__ import annotations

from care_plans.domain.event_types import REFERRAL_SUBMITTED
from care_plans.events import GROUP, referrals_topic
from care_plans.service.referral_activity import project_referral
from carecoord_shared.service import Consumer

CONSUMER = Consumer(REFERRAL_SUBMITTED, referrals_topic, project_referral, GROUP)
