"""A P9 patient's A&G requests, referrals and MDT outcomes, in plain language (issue 11).

The portal keeps its own copy from referrals' and mdt's events (`referral.submitted`,
`.routed`, `.triaged`, `.converted`, `.withdrawn`; `mdt.outcome-recorded`), so the
patient's page keeps working when those services are down and says when each line
last changed. Each event sets what it knows: the UBRN, the stage, what happens next
and the date a response is expected (an event that does not know the kind or the UBRN
leaves them as they were); an older event redelivered changes nothing. A run of
events is kept at once when its unit of work finishes, in one statement that does what
the events would one by one (`PatientEpisodes.apply`).
"""

from __future__ import annotations

from carecoord_shared.events import Event
from carecoord_shared.fhir.gathering import Gathering
from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security.principal import Principal
from portal.service.front_door_care import own_nhs_number
from portal.store.front_door import EpisodeRow, PatientEpisodes

__all__ = ["JOURNEY_EVENTS", "journey_changed", "journey_of", "row_of"]

_TRIAGED: dict[str, tuple[str, str | None]] = {
    "advice-given": (
        "Specialist advice given to your GP",
        "Your GP will tell you what it means for you.",
    ),
    "accepted": ("Referral accepted", "The service will contact you to arrange your care."),
    "redirected": ("Sent on to a more suitable service", "That service will look at it next."),
    "rejected": ("Returned to your GP", "Your GP will talk to you about what to do instead."),
    "information-requested": (
        "The specialist asked your GP for more information",
        "Your GP will send it; you may be asked for a test or an appointment.",
    ),
    "converted": ("Turned into a referral", "You will hear about an appointment."),
    "cancelled": ("Cancelled", None),
}
_MDT = {
    "discussed": "Your care team discussed your care at their meeting",
    "deferred": "Your care team will discuss your care at their next meeting",
    "not-discussed": "Your care team will discuss your care at their next meeting",
}


def _kind(data: dict[str, object]) -> str:
    category = data.get("category") or []
    advice = isinstance(category, list) and "advice-and-guidance" in category
    return "Advice and guidance request" if advice else "Referral"


def row_of(event: Event) -> EpisodeRow | None:
    """What `event` says about one of the patient's episodes (None: nothing to show)."""
    data, nhs, at = event.data, str(event.data.get("nhsNumber") or event.key), event.time
    ubrn = str(data["ubrn"]) if data.get("ubrn") else None
    request = str(data.get("serviceRequest") or "")
    kind = event.type.removeprefix("carecoord.").removesuffix(".v1")
    next_step: str | None
    if kind == "referral.submitted":
        stage, next_step = "Sent", "The service will look at it and reply."
        return EpisodeRow(nhs, request, _kind(data), ubrn, stage, next_step, None, at)
    if kind == "referral.routed":
        due = str(data["dueBy"])[:10] if data.get("dueBy") else None
        stage, next_step = "With the service", "The service will reply to your GP."
        return EpisodeRow(nhs, request, "", ubrn, stage, next_step, due, at)
    if kind == "referral.triaged" and str(data.get("outcome")) in _TRIAGED:
        stage, next_step = _TRIAGED[str(data["outcome"])]
        return EpisodeRow(nhs, request, "", ubrn, stage, next_step, None, at)
    if kind == "referral.converted":
        key, ubrn = str(data.get("referral") or ""), str(data.get("referralUbrn") or "") or None
        stage, next_step = "Referral made from the advice", "You will hear about an appointment."
        return EpisodeRow(nhs, key, "Referral", ubrn, stage, next_step, None, at)
    if kind == "referral.withdrawn":
        return EpisodeRow(nhs, request, "", ubrn, "Withdrawn", None, None, at)
    if kind == "mdt.outcome-recorded" and str(data.get("status")) in _MDT:
        decisions = [str(d) for d in data.get("decisions") or [] if isinstance(d, str)]
        said = " ".join(decisions) or None
        key = str(data.get("case") or "")
        return EpisodeRow(
            nhs, key, "Care team meeting (MDT)", None, _MDT[str(data["status"])], said, None, at
        )
    return None


JOURNEY_EVENTS = (
    "carecoord.referral.submitted.v1",
    "carecoord.referral.routed.v1",
    "carecoord.referral.converted.v1",
    "carecoord.referral.withdrawn.v1",
)
"""Beside `referral.triaged` and `mdt.outcome-recorded` (which also ask for feedback)."""


async def _keep_run(tx: FhirTransaction, _key: None, rows: list[EpisodeRow]) -> None:
    await tx.repository(PatientEpisodes).apply(rows)


_KEEPING = Gathering("front-door-journey", _keep_run)


async def journey_changed(tx: FhirTransaction, event: Event) -> None:
    """Kept with the rest of the run's journey changes when the unit of work finishes."""
    row = row_of(event)
    if row is not None and row.key:
        tx.gather(_KEEPING, None, row)


async def journey_of(fhir: FhirInteractions, patient: Principal) -> list[EpisodeRow]:
    """The signed-in patient's own requests, referrals and MDT outcomes (audited)."""
    nhs = own_nhs_number(patient)
    async with fhir.reads(patient) as tx:
        rows = await tx.repository(PatientEpisodes).of(nhs)
        await tx.record_access("R", "front-door/patient-journey", [nhs])
    return rows
