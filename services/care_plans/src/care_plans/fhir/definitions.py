"""The StructureDefinitions, CodeSystems and ValueSets this service publishes.

Every local extension and code system it puts in its resources is defined here, under
the project's canonical root, so a GP-system vendor (and the independent validator)
can look each one up (`ServiceDefinition.definitions`; the kernel serves them at
`/fhir/<type>/<id>`). Simple extensions come from the kernel's helper; the complex
ones (co-development, end-of-life preferences, the target band) are built here from
their parts, each part a closed slice of `Extension.extension` keyed by its url.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from care_plans.domain import codes
from carecoord_shared.fhir.definitions import (
    code_system,
    extension_definition,
    extension_url,
    value_set,
)
from carecoord_shared.fhir.narrative import with_narrative
from carecoord_shared.fhir.operation_definition import CANONICAL_ROOT
from carecoord_shared.fhir.outcome import JsonObject


@dataclass(frozen=True, slots=True)
class Part:
    """One sub-extension of a complex extension: a value of `value_type`, or parts."""

    url: str
    value_type: str | None
    max: str = "1"
    parts: tuple[Part, ...] = ()
    min: int = 0
    value_set: str | None = None


def _slice(part: Part, element_id: str, path: str) -> list[JsonObject]:
    own = f"{element_id}.extension:{part.url}"
    elements: list[JsonObject] = [
        {"id": own, "path": path, "sliceName": part.url, "min": part.min, "max": part.max},
        *_extension_elements(part.parts, own, path),
        {"id": f"{own}.url", "path": f"{path}.url", "fixedUri": part.url},
    ]
    value: JsonObject = {"id": f"{own}.value[x]", "path": f"{path}.value[x]"}
    if part.value_type is None:
        value["max"] = "0"
    else:
        value |= {"min": 1, "type": [{"code": part.value_type}]}
    if part.value_set is not None:
        value["binding"] = {"strength": "required", "valueSet": part.value_set}
    return [*elements, value]


def _extension_elements(parts: Sequence[Part], element_id: str, path: str) -> list[JsonObject]:
    """`Extension.extension` of an element: closed slices by url, or none at all."""
    nested = f"{path}.extension"
    if not parts:
        return [{"id": f"{element_id}.extension", "path": nested, "max": "0"}]
    slicing = {"discriminator": [{"type": "value", "path": "url"}], "rules": "closed"}
    elements: list[JsonObject] = [
        {"id": f"{element_id}.extension", "path": nested, "slicing": slicing}
    ]
    for part in parts:
        elements.extend(_slice(part, element_id, nested))
    return elements


def complex_extension(
    name: str, title: str, description: str, contexts: Sequence[str], parts: Sequence[Part]
) -> JsonObject:
    """An extension made of named parts (no value of its own)."""
    definition = extension_definition(name, title, description, "string", contexts)
    root = definition["differential"]["element"][0]
    definition["differential"]["element"] = [
        root,
        *_extension_elements(parts, "Extension", "Extension"),
        {"id": "Extension.url", "path": "Extension.url", "fixedUri": extension_url(name)},
        {"id": "Extension.value[x]", "path": "Extension.value[x]", "max": "0"},
    ]
    return definition


def _code_system(
    name: str, title: str, description: str, concepts: dict[str, str]
) -> list[JsonObject]:
    system = code_system(name, title, description, concepts)
    return [system, value_set(system)]


def _simple_extensions() -> list[JsonObject]:
    return [
        extension_definition(
            "care-plan-patient-agreement",
            "Patient agreement",
            "The patient agreed the plan.",
            "boolean",
            ["CarePlan"],
        ),
        extension_definition(
            "care-plan-last-reviewed",
            "Last reviewed",
            "When the plan was last reviewed (the review schedule runs from it).",
            "dateTime",
            ["CarePlan"],
        ),
        extension_definition(
            "patient-locality",
            "Locality",
            "The locality (MDT area) the patient's registered practice belongs to.",
            "string",
            ["Patient"],
        ),
        extension_definition(
            "provenance-target-version",
            "Target version",
            "The version of the target this contribution made.",
            "string",
            ["Provenance.target"],
        ),
    ]


def _complex_extensions() -> list[JsonObject]:
    band = f"{CANONICAL_ROOT}/ValueSet/measure-band"
    resuscitation = (
        Part("decision", "string"),
        Part("decidedBy", "Reference"),
        Part("decidedOn", "dateTime"),
    )
    return [
        complex_extension(
            "care-plan-co-development",
            "Care plan co-development",
            "With whom, when and how the plan was co-developed with the patient (G3).",
            ["CarePlan"],
            [
                Part("with", "Reference", "*", min=1),
                Part("when", "dateTime", min=1),
                Part("how", "string", min=1),
            ],
        ),
        complex_extension(
            "end-of-life-preferences",
            "End-of-life preferences",
            "Preferred places of care and death, the resuscitation decision and key "
            "contacts (EPaCCS-style), carried to the paramedic summary.",
            ["CarePlan"],
            [
                Part("preferredPlaceOfCare", "string"),
                Part("preferredPlaceOfDeath", "string"),
                Part("resuscitation", None, parts=resuscitation),
                Part("keyContact", "string", "*"),
            ],
        ),
        complex_extension(
            "measure-target-band",
            "Target band",
            "An indicator's target band (percent) and, on a report, where its rate falls.",
            ["Measure", "MeasureReport"],
            [
                Part("low", "decimal", min=1),
                Part("high", "decimal", min=1),
                Part("result", "code", value_set=band),
            ],
        ),
    ]


def _code_systems() -> list[JsonObject]:
    return [
        *_code_system(
            "care-plan-kind",
            "Care plan kind",
            "A comprehensive plan (one active per patient) or a condition-specific one.",
            {
                codes.COMPREHENSIVE: "Comprehensive care plan",
                codes.CONDITION_SPECIFIC: "Condition-specific care plan",
            },
        ),
        *_code_system(
            "coordinator-kind",
            "Co-ordinator kind",
            "What kind of named co-ordinator.",
            {
                "lead-gp": "Lead GP",
                "named-care-coordinator": "Named care co-ordinator",
                "key-worker": "Key worker",
            },
        ),
        *_code_system(
            "care-team-role",
            "Care team role",
            "A co-ordinator's place in the patient's care co-ordination team.",
            {
                "care-coordinator": "Care co-ordinator",
                "care-coordinator-cover": "Care co-ordinator (temporary cover)",
            },
        ),
        *_code_system(
            "coordination-activity",
            "Co-ordination activity",
            "What a Provenance of the co-ordination records.",
            {"handover": "Handover from one co-ordinator to another"},
        ),
        *_code_system(
            "measure-band",
            "Target band result",
            "Where an indicator's rate falls against its target band.",
            {
                "below": "Below the band",
                "within": "Within the band",
                "above": "Above the band",
                "no-data": "No patients in the denominator",
            },
        ),
    ]


DEFINITIONS: tuple[JsonObject, ...] = tuple(
    with_narrative(definition)
    for definition in (*_complex_extensions(), *_simple_extensions(), *_code_systems())
)
