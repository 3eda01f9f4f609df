"""R4's standard search parameters come out with R4's names, types and expressions."""

from __future__ import annotations

import pytest

from carecoord_shared.fhir.registry import SearchParam
from carecoord_shared.fhir.standard_params import standard_params


def test_parameters_come_in_the_order_asked_with_the_targets_the_service_accepts() -> None:
    assert standard_params("Task", "business-status", ("owner", ("Organization",)), "period") == (
        SearchParam("business-status", "token", "Task.businessStatus"),
        SearchParam("owner", "reference", "Task.owner", ("Organization",)),
        SearchParam("period", "date", "Task.executionPeriod"),
    )


def test_a_reference_needs_its_targets_and_only_a_reference_takes_them() -> None:
    with pytest.raises(ValueError, match="targets"):
        standard_params("CareTeam", "participant")
    with pytest.raises(ValueError, match="targets"):
        standard_params("CareTeam", ("status", ("Patient",)))


def test_a_name_r4_does_not_define_for_the_type_is_an_error() -> None:
    with pytest.raises(KeyError):
        standard_params("CareTeam", "name")  # R5 added it
