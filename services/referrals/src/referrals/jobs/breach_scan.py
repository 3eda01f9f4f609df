"""The breach scan: raise breach-imminent and breached alarms as the clock runs out.

Every `REFERRALS_BREACH_SCAN_SECONDS` (default 60) the worker raises, in one unit of
work of its own, every alarm now due (idempotent: each alarm's flag is set in the
same commit as its event).
"""

from __future__ import annotations

from carecoord_shared.service import Job, JobCall
from referrals.service.breach import scan
from referrals.settings import ReferralsSettings


async def run(call: JobCall) -> int:
    async with call.fhir.operation(call.principal) as tx:
        return await scan(tx, call.context)


def _interval(settings: ReferralsSettings) -> float:
    return settings.breach_scan_seconds


JOB = Job("breach-scan", interval_s=_interval, run=run)
