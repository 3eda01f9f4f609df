"""Published definitions and generated narrative are valid R4 (issue 14, item 5)."""

from __future__ import annotations

from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.structuredefinition import StructureDefinition
from fhir.resources.R4B.valueset import ValueSet

from carecoord_shared.fhir.definitions import (
    code_system,
    extension_definition,
    extension_url,
    value_set,
)
from carecoord_shared.fhir.narrative import with_narrative
from carecoord_shared.fhir.operation_definition import CANONICAL_ROOT


def test_an_extension_definition_is_a_valid_structure_definition_under_the_root() -> None:
    definition = extension_definition(
        "triage-state",
        "Triage state",
        "Where the request is in triage.",
        "code",
        ["ServiceRequest"],
    )
    model = StructureDefinition.model_validate(definition)
    assert model.url == extension_url("triage-state")
    assert str(model.url).startswith(CANONICAL_ROOT)
    assert model.type == "Extension"


def test_a_code_system_and_its_value_set_are_valid() -> None:
    system = code_system("outcome", "Outcomes", "Triage outcomes.", {"accepted": "Accepted"})
    CodeSystem.model_validate(system)
    ValueSet.model_validate(value_set(system))
    assert value_set(system)["url"] == system["valueSet"]


def test_narrative_is_generated_escaped_and_kept_when_the_author_wrote_one() -> None:
    body = {"resourceType": "Task", "status": "requested", "description": "<script>x</script>"}
    div = with_narrative(body)["text"]["div"]
    assert div.startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    assert "requested" in div
    assert "<script>" not in div
    assert "&lt;script&gt;" in div
    own = {"resourceType": "Task", "text": {"status": "additional", "div": "<div>mine</div>"}}
    assert with_narrative(own)["text"]["div"] == "<div>mine</div>"
