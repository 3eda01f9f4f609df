"""The avoided-conveyance measure of an advice line, per locality.

Advice-line services report about 53-55% of calls avoiding conveyance (DOMAIN.md);
this is the same figure for one line: of its recorded calls, the share where the
patient was not conveyed, per locality.
"""

from __future__ import annotations

from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.unit_of_work import FhirReads
from referrals.domain import vocabulary as v
from referrals.fhir.measures import AVOIDED_CONVEYANCE, Group, measure_report, share
from referrals.service.context import Referrals
from referrals.store.advice_calls import AdviceCalls


async def avoided_conveyance(tx: FhirReads, ctx: Referrals, line_id: str) -> JsonObject:
    line = await tx.read("HealthcareService", line_id)
    groups = [
        Group(
            v.SERVES_LOCALITY,
            found.locality or "unknown",
            (("denominator", found.calls), ("numerator", found.avoided)),
            share(found.avoided, found.calls),
            "%",
        )
        for found in await tx.repository(AdviceCalls).by_locality(line.reference)
    ]
    return measure_report(AVOIDED_CONVEYANCE, line.reference, ctx.now(), groups)
