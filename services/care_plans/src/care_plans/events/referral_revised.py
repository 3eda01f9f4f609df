"""`referral.revised`: a request changed (status, priority, category); the projection
keeps its latest version (an older one never overwrites it) and the patient's risk
score is recomputed."""

from __future__ import annotations

from care_plans.domain.event_types import REFERRAL_REVISED
from care_plans.events import GROUP, referrals_topic
from care_plans.service.referral_activity import project_referral
from carecoord_shared.service import Consumer

CONSUMER = Consumer(REFERRAL_REVISED, referrals_topic, project_referral, GROUP)
