"""`$avoided-conveyance`: the share of an advice line's calls that avoided conveyance.

Read-only (GET or POST): a MeasureReport with a group per locality.
"""

from __future__ import annotations

from referrals.fhir.measures import report_operation
from referrals.service.conveyance import avoided_conveyance

OPERATION = report_operation(
    "avoided-conveyance",
    "Avoided conveyance of an advice line",
    "MeasureReport: share of an advice line's calls that avoided conveyance, per locality.",
    avoided_conveyance,
)
