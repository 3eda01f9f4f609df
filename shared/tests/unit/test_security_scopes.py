"""SMART v1 and v2 scopes parse to one meaning, and `allows` answers from it."""

from __future__ import annotations

import pytest

from carecoord_shared.security.scopes import (
    Interaction,
    Scope,
    allows,
    allows_operation,
    parse_scope,
    parse_scopes,
)


@pytest.mark.parametrize(
    ("text", "context", "resource_type", "letters"),
    [
        ("user/ServiceRequest.rs", "user", "ServiceRequest", "rs"),
        ("patient/CarePlan.r", "patient", "CarePlan", "r"),
        ("system/*.cruds", "system", "*", "cruds"),
        ("user/Task.crus", "user", "Task", "crus"),
        ("patient/Observation.read", "patient", "Observation", "rs"),
        ("user/Task.write", "user", "Task", "cud"),
        ("system/*.*", "system", "*", "cruds"),
    ],
)
def test_scope_parses(text: str, context: str, resource_type: str, letters: str) -> None:
    scope = parse_scope(text)
    assert scope == Scope(context, resource_type, frozenset(letters))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "openid",
        "launch/patient",
        "fhirUser",
        "user/ServiceRequest.",
        "user/ServiceRequest.sr",  # v2 letters must be in c, r, u, d, s order
        "user/ServiceRequest.rr",
        "user/ServiceRequest.x",
        "admin/ServiceRequest.rs",
        "user/serviceRequest.rs",
        "patient/Observation.rs?category=laboratory",  # granular: not enforceable here
    ],
)
def test_scopes_this_server_cannot_enforce_grant_nothing(text: str) -> None:
    assert parse_scope(text) is None


def test_scope_claim_keeps_only_resource_scopes() -> None:
    scopes = parse_scopes("openid  user/Task.rs\tuser/Communication.c fhirUser")
    assert {str(s) for s in scopes} == {"user/Task.rs", "user/Communication.c"}


@pytest.mark.parametrize(
    ("granted", "resource_type", "interaction", "expected"),
    [
        ("user/ServiceRequest.rs", "ServiceRequest", "r", True),
        ("user/ServiceRequest.rs", "ServiceRequest", "s", True),
        ("user/ServiceRequest.rs", "ServiceRequest", "u", False),
        ("user/ServiceRequest.rs", "Task", "r", False),
        ("patient/CarePlan.r", "CarePlan", "s", False),
        ("system/*.cruds", "Consent", "d", True),
        ("user/*.rs user/Communication.c", "Communication", "c", True),
        ("user/*.rs user/Communication.c", "ServiceRequest", "c", False),
        ("user/Task.read", "Task", "s", True),
        ("user/Task.write", "Task", "r", False),
        ("", "Task", "r", False),
    ],
)
def test_allows(granted: str, resource_type: str, interaction: Interaction, expected: bool) -> None:
    assert allows(parse_scopes(granted), resource_type, interaction) is expected


def test_allows_rejects_an_unknown_interaction() -> None:
    with pytest.raises(ValueError, match="interaction"):
        allows(parse_scopes("user/*.cruds"), "Task", "x")  # type: ignore[arg-type]


def test_state_changing_operation_needs_update_and_read_only_needs_read() -> None:
    reader = parse_scopes("user/ServiceRequest.rs")
    writer = parse_scopes("user/ServiceRequest.u")
    assert allows_operation(reader, "ServiceRequest", changes_state=False)
    assert not allows_operation(reader, "ServiceRequest", changes_state=True)
    assert allows_operation(writer, "ServiceRequest", changes_state=True)
    assert not allows_operation(writer, "ServiceRequest", changes_state=False)
