"""Applying an auto-listing rule: the patient onto the MDT that serves them.

A rule that matched an event (`mdt.domain.rules`) lists the patient with the active
MDT serving their registered practice (a locality MDT before a nursing-home one), or,
for an advice-line call, the call's locality; with none, nothing is listed. A rule
can be switched off (`MDT_DISABLED_RULES`). The case records the rule, the event type
and the event id, so the same event delivered twice adds nothing.
"""

from __future__ import annotations

from carecoord_shared.events import Event
from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.logging import get_logger
from mdt.domain.commands import ListingSource, ListPatient
from mdt.domain.model import NhsNumber
from mdt.domain.rules import RuleMatch
from mdt.service.context import MdtContext
from mdt.service.listing import list_patient
from mdt.store.patients import Patients
from mdt.store.teams import Teams

log = get_logger(__name__)


async def list_by_rule(
    tx: FhirTransaction,
    context: MdtContext,
    event: Event,
    nhs: str,
    match: RuleMatch | None,
    locality: str | None = None,
) -> None:
    if match is None or not context.rule_enabled(match.rule):
        return
    known = await tx.repository(Patients).get(nhs)
    serving = await tx.repository(Teams).serving(known.practice if known else None, locality)
    if not serving:
        log.info("mdt.rule_no_team", rule=match.rule, event_id=event.id)
        return
    at = event.time.isoformat().replace("+00:00", "Z")
    source = ListingSource(match.rule, match.reason, event.id, event.type, at=at)
    command = ListPatient(NhsNumber(nhs), source, match.urgency, match.question)
    try:
        await list_patient(tx, serving[0], command, context.now())
    except FhirError as error:  # a business rule (say, the team closed): nothing to list
        if error.status != 422:
            raise
        log.info("mdt.rule_not_applied", rule=match.rule, event_id=event.id)
