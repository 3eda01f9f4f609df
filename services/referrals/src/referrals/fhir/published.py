"""What the referrals service publishes: its extensions, code systems and value sets.

Every local extension and code a referrals resource carries is defined here once
(under the project's canonical root), served read-only at `/fhir/StructureDefinition`,
`/fhir/CodeSystem` and `/fhir/ValueSet`, listed in `/fhir/metadata`, and given to the
independent validator, so a GP-system vendor can look up each one.
"""

from __future__ import annotations

from collections.abc import Sequence

from carecoord_shared.fhir.definitions import (
    code_system,
    extension_definition,
    extension_url,
    value_set,
)
from carecoord_shared.fhir.narrative import with_narrative
from carecoord_shared.fhir.outcome import JsonObject
from referrals.domain import vocabulary as v
from referrals.domain.triage import Outcome, TriageState

_SLICES = "Extension.extension"


def _part(name: str, value_type: str) -> list[JsonObject]:
    """The differential of one required sub-extension `name` of `value_type`."""
    at = f"{_SLICES}:{name}"
    return [
        {"id": at, "path": _SLICES, "sliceName": name, "min": 1, "max": "1"},
        {"id": f"{at}.extension", "path": f"{_SLICES}.extension", "max": "0"},
        {"id": f"{at}.url", "path": f"{_SLICES}.url", "fixedUri": name},
        {
            "id": f"{at}.value[x]",
            "path": f"{_SLICES}.value[x]",
            "min": 1,
            "type": [{"code": value_type}],
        },
    ]


def _response_target() -> JsonObject:
    """A complex extension: `priority` (code) and `workingDays` (positiveInt)."""
    name = "response-target"
    description = (
        "The response time a service commits to for one priority: sub-extensions "
        "priority (routine or urgent) and workingDays."
    )
    simple = extension_definition(
        name, "Response target", description, "code", ["HealthcareService"]
    )
    simple["differential"] = {
        "element": [
            {"id": "Extension", "path": "Extension", "short": "Response target",
             "definition": description},
            {"id": _SLICES, "path": _SLICES, "min": 2,
             "slicing": {"discriminator": [{"type": "value", "path": "url"}], "rules": "open"}},
            *_part("priority", "code"),
            *_part("workingDays", "positiveInt"),
            {"id": "Extension.url", "path": "Extension.url", "fixedUri": extension_url(name)},
            {"id": "Extension.value[x]", "path": "Extension.value[x]", "max": "0"},
        ]
    }  # fmt: skip
    return simple


EXTENSIONS: Sequence[JsonObject] = (
    extension_definition(
        "triage-state", "Triage state",
        "Where an A&G request or referral is in triage (whose turn it is); searchable as "
        "triage-state.", "code", ["ServiceRequest"],
    ),
    extension_definition(
        "converted-to", "Converted to",
        "The referral (with its UBRN) an advice & guidance request was converted into.",
        "Reference", ["ServiceRequest"],
    ),
    extension_definition(
        "conversion-authorised", "Conversion authorised",
        "The referrer lets the provider convert this advice & guidance request into a "
        "referral without asking again.", "boolean", ["ServiceRequest"],
    ),
    _response_target(),
    extension_definition(
        "ringing-order", "Ringing order",
        "An on-call specialist's place in the advice line's ringing order (1 first).",
        "positiveInt", ["PractitionerRole"],
    ),
    extension_definition(
        "advice-call-outcome", "Advice call outcome",
        "What happened to the patient after a paramedic's advice-line call: conveyed, "
        "not-conveyed, referred or other.", "code", ["Communication"],
    ),
    extension_definition(
        "follow-up-needed", "Follow-up needed",
        "Whether someone must follow up a paramedic's advice-line call.",
        "boolean", ["Communication"],
    ),
)  # fmt: skip

_SYSTEMS = (
    code_system(
        "request-category", "Request category", "Advice & guidance request or referral.",
        {v.ADVICE_AND_GUIDANCE: "Advice and guidance", v.REFERRAL: "Referral"},
    ),
    code_system(
        "triage-state", "Triage state", "Where a request is in triage, and whose turn it is.",
        {**{s.value: s.value.replace("-", " ").capitalize() for s in TriageState},
         v.AWAITING_ROUTING: "Awaiting routing (names no service or specialty)"},
    ),
    code_system(
        "triage-outcome", "Triage outcome", "What one triage step decided.",
        {**{o.value: o.value.replace("-", " ").capitalize() for o in Outcome},
         "information-provided": "Information provided (the clock resumes)"},
    ),
    code_system(
        "referral-task", "Referral task", "What a Task of triage asks for.",
        {"triage": "Triage the request", "information-request": "Provide more information",
         "conversion-request": "Authorise conversion to a referral",
         "escalation": "Answer before the response is due"},
    ),
    {
        **code_system(
            "locality", "Locality", "The borough's localities (a practice's, a service's cover); "
            "codes beyond these five may be added by the directory.",
            {f"locality-{n}": name for n, name in enumerate(
                ("North Eastmoor", "Riverside", "Town Centre", "Hillcrest", "Southfields"), 1)},
        ),
        "content": "fragment",
    },
    code_system(
        "service-characteristic", "Service characteristic", "What a directory service offers.",
        {v.OFFERS_ADVICE: "Offers advice & guidance"},
    ),
    code_system(
        "service-type", "Service type", "The kind of a directory service.",
        {v.ADVICE_LINE: "Advice line", "specialist-service": "Specialist service"},
    ),
    code_system(
        "communication-category", "Communication category", "The kind of a Communication.",
        {v.ADVICE_CALL: "A paramedic's advice-line call"},
    ),
    code_system(
        "response-report", "Response report", "The groups of a service's response report.",
        {"median-response-working-days": "Median response time (working days)",
         "within-target": "Answered within the target (%)"},
    ),
)  # fmt: skip

DEFINITIONS: Sequence[JsonObject] = tuple(
    with_narrative(definition)  # what a person reading it sees (dom-6)
    for definition in (*EXTENSIONS, *_SYSTEMS, *(value_set(system) for system in _SYSTEMS))
)
