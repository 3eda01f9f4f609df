"""The SubscriptionTopic catalogue: what a partner may subscribe to, and how it filters.

Partners subscribe to facts, not to resource changes: each topic names the CloudEvent
types already published on `carecoord.*.v1` (docs/EVENTS.md) that it stands for, the
resource a notification is about (its focus, read from the event's data) and the
filters it offers. Filters are ANDed (Subscriptions Backport IG, "filter criteria").
Pure data and rules: the FHIR shape of a topic is `portal.fhir.topics`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "CATALOGUE",
    "FILTERS",
    "TOPIC_ROOT",
    "Filter",
    "Topic",
    "matches",
    "topic_by_canonical",
    "topics_for_event",
]

TOPIC_ROOT = "https://fhir.carecoord.example/SubscriptionTopic"
"""Canonical URLs of topics (under CANONICAL_ROOT, spelled out so domain needs no kernel)."""


@dataclass(frozen=True, slots=True)
class Filter:
    """A filter a topic offers: `patient`, `practice`, `locality`, `service`, `outcome`."""

    name: str
    documentation: str
    data_key: str | None
    """Where the event's data holds the value (None: the portal knows it, e.g. practice)."""


FILTERS: Mapping[str, Filter] = {
    f.name: f
    for f in (
        Filter("patient", "The patient, by NHS number (`nhs-number|9000000009`).", "nhsNumber"),
        Filter("practice", "The patient's registered practice, by ODS code.", None),
        Filter("locality", "The locality the event happened in.", "locality"),
        Filter("service", "The service (`HealthcareService/[id]`).", "service"),
        Filter("outcome", "The outcome code the event carries.", "outcome"),
    )
}


@dataclass(frozen=True, slots=True)
class Topic:
    slug: str
    title: str
    description: str
    event_types: tuple[str, ...]
    focus_key: str
    """The data key holding the focus reference (`serviceRequest`, `carePlan`, ...)."""
    focus_type: str
    owner: str
    """The service that owns the focus resource (`referrals`, `care_plans`, `mdt`, `portal`)."""
    filters: tuple[str, ...] = ("patient", "practice")

    @property
    def canonical(self) -> str:
        return f"{TOPIC_ROOT}/{self.slug}"


def _topic(slug: str, title: str, event: str, focus: tuple[str, str, str], *extra: str) -> Topic:
    key, kind, owner = focus
    return Topic(
        slug,
        title,
        f"{title}: the CloudEvent `carecoord.{event}.v1`.",
        (f"carecoord.{event}.v1",),
        key,
        kind,
        owner,
        ("patient", "practice", *extra),
    )


_AG = ("serviceRequest", "ServiceRequest", "referrals")
_PLAN = ("carePlan", "CarePlan", "care_plans")
_TEAM = ("careTeam", "CareTeam", "care_plans")
_CASE = ("case", "Task", "mdt")
_ACTION = ("action", "Task", "mdt")
_CALL = ("communication", "Communication", "referrals")
_REQUEST = ("request", "CommunicationRequest", "portal")

CATALOGUE: tuple[Topic, ...] = (
    _topic("ag-request-submitted", "A&G request submitted", "referral.submitted", _AG),
    _topic(
        "ag-request-triaged", "A&G request triaged", "referral.triaged", _AG, "service", "outcome"
    ),
    _topic("ag-request-converted", "A&G request converted", "referral.converted", _AG),
    _topic(
        "ag-breach-imminent",
        "A&G response breach imminent",
        "referral.breach-imminent",
        _AG,
        "service",
    ),
    _topic("coordinator-assigned", "Named co-ordinator assigned", "coordinator.assigned", _TEAM),
    _topic("coordinator-ended", "Named co-ordinator ended", "coordinator.ended", _TEAM),
    _topic("careplan-revised", "Care plan revised", "careplan.revised", _PLAN),
    _topic("careplan-review-due", "Care plan review due", "careplan.review-due", _PLAN),
    _topic("mdt-case-listed", "MDT case listed", "mdt.case-listed", _CASE),
    _topic("mdt-outcome-recorded", "MDT outcome recorded", "mdt.outcome-recorded", _CASE),
    _topic("mdt-action-assigned", "MDT action assigned", "mdt.action-assigned", _ACTION),
    _topic("mdt-action-overdue", "MDT action overdue", "mdt.action-overdue", _ACTION),
    _topic(
        "advice-call-recorded",
        "Advice call recorded",
        "advice-call.recorded",
        _CALL,
        "locality",
        "outcome",
    ),
    _topic(
        "front-door-request-routed",
        "Front-door request routed",
        "portal.request-routed",
        _REQUEST,
        "service",
    ),
    _topic(
        "front-door-red-flag-raised",
        "Front-door red flag raised",
        "portal.red-flag-raised",
        _REQUEST,
    ),
)

_BY_CANONICAL = {t.canonical: t for t in CATALOGUE}
_BY_EVENT: dict[str, list[Topic]] = {}
for _t in CATALOGUE:
    for _type in _t.event_types:
        _BY_EVENT.setdefault(_type, []).append(_t)


def topic_by_canonical(canonical: str) -> Topic | None:
    return _BY_CANONICAL.get(canonical)


def topics_for_event(event_type: str) -> tuple[Topic, ...]:
    return tuple(_BY_EVENT.get(event_type, ()))


def _value(data: Mapping[str, object], key: str) -> str | None:
    value = data.get(key)
    if isinstance(value, dict):
        value = value.get("reference") or value.get("code")
    return None if value is None else str(value)


def matches(criteria: Mapping[str, str], data: Mapping[str, object], practice: str | None) -> bool:
    """Every filter holds for this event (ANDed); a value the event lacks never matches."""
    for name, wanted in criteria.items():
        spec = FILTERS[name]
        found = practice if spec.data_key is None else _value(data, spec.data_key)
        if found is None or found != wanted:
            return False
    return True
