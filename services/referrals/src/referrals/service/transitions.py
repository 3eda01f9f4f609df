"""The triage audit trail: every transition, who made it, from which state to which.

`$triage` records each outcome, and a referrer's answer records the clock resuming;
both write the same row here, in the unit of work that makes the change.
"""

from __future__ import annotations

from datetime import datetime

from carecoord_shared.fhir.unit_of_work import FhirTransaction
from referrals.domain.records import Transition, TriageCase
from referrals.domain.triage import TriageState
from referrals.store.cases import TriageCases


async def record(
    tx: FhirTransaction,
    case: TriageCase,
    outcome: str,
    after: TriageState,
    at: datetime,
    *,
    reason: str | None = None,
) -> None:
    """The caller moved `case` from its state to `after` by `outcome`."""
    await tx.repository(TriageCases).record(
        Transition(
            service_request=case.service_request,
            task=case.task,
            outcome=outcome,
            from_state=case.state.value,
            to_state=after.value,
            actor=tx.principal.subject,
            actor_role=tx.principal.role,
            actor_organisation=tx.principal.organisation,
            reason=reason,
            at=at,
        )
    )
