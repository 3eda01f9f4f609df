"""`Param.made_of` declares an output made of named parts: rendered as `part`s, defined as
a typeless parameter with its parts, and an answer with none of them has no `parameter`."""

from __future__ import annotations

from carecoord_shared.fhir.operation_definition import operation_definition
from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param


async def _never_called(call: OperationCall) -> OperationResult:
    raise AssertionError("only the declaration is used")


STEP = Param.made_of("step", "One step.", Param("to", "code", min=1), Param("when", "dateTime"))
HISTORY = Operation("history", "Steps", "Every step.", _never_called, outputs=(STEP,))


def test_each_item_is_rendered_as_its_parts() -> None:
    body = HISTORY.result(step=[{"to": "accepted", "when": "2026-01-05T10:00:00Z"}]).body
    assert body == {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "step",
                "part": [
                    {"name": "to", "valueCode": "accepted"},
                    {"name": "when", "valueDateTime": "2026-01-05T10:00:00Z"},
                ],
            }
        ],
    }


def test_an_answer_with_no_items_has_no_parameter_list() -> None:
    assert HISTORY.result(step=[]).body == {"resourceType": "Parameters"}


def test_the_definition_gives_the_group_no_type_and_any_number_of_times() -> None:
    [step] = operation_definition(HISTORY, "example")["parameter"]
    assert step["name"] == "step"
    assert (step["use"], step["min"], step["max"]) == ("out", 0, "*")
    assert "type" not in step
    assert [part["name"] for part in step["part"]] == ["to", "when"]
