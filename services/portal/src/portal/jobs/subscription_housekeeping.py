"""Hourly: publish the SubscriptionTopic catalogue, forget notifications past retention.

Runs as soon as the worker starts, so the catalogue is readable (`Basic`) from the first
minute of a new deployment.
"""

from __future__ import annotations

from carecoord_shared.service import Job, JobCall
from portal.service.subscription_housekeeping import forget_old_notifications, publish_topics

__all__ = ["JOB"]


async def _run(call: JobCall) -> int:
    published = await publish_topics(call.fhir, call.principal)
    return published + await forget_old_notifications(call.fhir, call.principal, call.context)


JOB = Job("subscription-housekeeping", lambda _settings: 3600.0, _run)
