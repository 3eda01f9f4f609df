"""`$response-report`: how fast a service answers its A&G requests and referrals.

Read-only (GET or POST): a MeasureReport with the median response time in working
days and the share answered within target.
"""

from __future__ import annotations

from referrals.fhir.measures import report_operation
from referrals.service.report import response_report

OPERATION = report_operation(
    "response-report",
    "Response report of a service",
    "MeasureReport of the service's A&G and referral responses: median response time in "
    "working days and the share answered within target.",
    response_report,
)
