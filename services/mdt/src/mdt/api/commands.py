"""FHIR operation parameters turned into the domain's commands (the API edge)."""

from __future__ import annotations

from datetime import UTC, datetime

from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM, ODS_SYSTEM, is_valid_nhs_number
from carecoord_shared.fhir.outcome import bad_request
from carecoord_shared.security.principal import Principal
from mdt.api.parameters import Parameters, day, part_values
from mdt.domain.commands import Action, ListingSource, ListPatient, RecordOutcome, ScheduleMeetings
from mdt.domain.model import OUTCOMES, OWNER_KINDS, URGENCIES, NhsNumber
from mdt.settings import MdtSettings

_PATIENT = ("Parameters.parameter.where(name='patient')",)


def nomination(params: Parameters, principal: Principal) -> ListPatient:
    identifier = params.value("patient", "Identifier")
    if not isinstance(identifier, dict) or identifier.get("system") != NHS_NUMBER_SYSTEM:
        raise bad_request(
            "Give 'patient' once, as an NHS number valueIdentifier", _PATIENT, "required"
        )
    if not is_valid_nhs_number(str(identifier.get("value", ""))):
        raise bad_request("Invalid NHS number (check digit)", _PATIENT, "value")
    reason = params.text("reason", required=True)
    source = ListingSource("nomination", str(reason), nominator=principal.subject, at=_now())
    return ListPatient(
        patient=NhsNumber(str(identifier["value"])),
        source=source,
        urgency=params.code("urgency", URGENCIES, "routine"),
        question=params.text("question"),
        for_discussion=params.code(
            "purpose", ("for-discussion", "for-information"), "for-discussion"
        )
        == "for-discussion",
        risk=params.decimal("risk", 0, 100),
    )


def schedule(params: Parameters, settings: MdtSettings) -> ScheduleMeetings:
    return ScheduleMeetings(
        first_start=params.instant("start"),
        count=params.integer("count", 1, 1, 24),
        interval_months=params.integer("intervalMonths", settings.meeting_interval_months, 1, 12),
        duration_minutes=params.integer("durationMinutes", settings.meeting_minutes, 10, 480),
        minutes_per_case=params.decimal("minutesPerCase", 0.5, 120) or settings.minutes_per_case,
    )


def _action(index: int, part: Parameters) -> Action:
    where = (f"Parameters.parameter.where(name='action')[{index}]",)
    kind = part.code("ownerKind", OWNER_KINDS)
    reference = part.value("owner", "Reference", required=kind == "person")
    organisation = part.value("ownerOrganisation", "Identifier", required=kind == "organisation")
    if kind == "person" and not reference.get("reference"):
        raise bad_request("A person owner needs 'owner' as a literal reference", where)
    if kind == "organisation" and (
        organisation.get("system") != ODS_SYSTEM or not organisation.get("value")
    ):
        raise bad_request("An organisation owner needs 'ownerOrganisation' (ODS code)", where)
    return Action(
        description=str(part.text("description", required=True)),
        owner_kind=kind,
        due_on=day(part.value("dueOn", "Date"), "dueOn"),
        owner_reference=str(reference["reference"]) if kind == "person" else None,
        owner_display=part.text("ownerDisplay", required=kind == "role"),
        owner_organisation=str(organisation["value"]) if kind == "organisation" else None,
    )


def outcome(params: Parameters) -> RecordOutcome:
    return RecordOutcome(
        outcome=params.code("status", OUTCOMES),
        summary=params.text("summary"),
        minutes_spent=params.decimal("minutesSpent", 0, 240),
        plan_reviewed=params.boolean("planReviewed", False),
        decisions=params.texts("decision"),
        actions=tuple(_action(i, part_values(p)) for i, p in enumerate(params.all("action"))),
    )


def attendees(params: Parameters) -> tuple[str, ...]:
    people = params.texts("attendee")
    if not people:
        raise bad_request("Give at least one 'attendee' (SDS user id)", ("attendee",), "required")
    return people


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
