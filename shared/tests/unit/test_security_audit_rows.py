"""The AuditEvent bytes of a many-patient access are built once and are exactly each row's."""

from __future__ import annotations

import orjson
import pytest

from carecoord_shared.fhir.narrative import with_narrative
from carecoord_shared.security import audit
from carecoord_shared.security.audit import AuditTrail, audit_event_resource
from carecoord_shared.security.principal import Principal
from carecoord_shared.security.scopes import parse_scopes

GP = Principal("555123456789", "staff", "gp", "A11111", None, parse_scopes("user/*.cruds"))
PATIENTS = [f"99900000{n:02d}" for n in range(20)]


def _rows(trail: AuditTrail) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = trail._rows
    return rows


@pytest.mark.parametrize(
    ("entity", "purpose"),
    [
        ("Task?owner=HealthcareService/x&status=ready", None),
        ("Communication/abc-1", 'break-glass: emergency-treatment: <unconscious> & "alone"'),
        ("front-door/patient-care", None),
    ],
)
def test_each_row_of_a_search_is_the_audit_event_built_for_it_alone(
    entity: str, purpose: str | None
) -> None:
    trail = AuditTrail(GP)
    ids = trail.add("E", entity, [*PATIENTS, PATIENTS[0]], purpose=purpose)

    rows = _rows(trail)
    assert [row["patient_nhs"] for row in rows] == PATIENTS  # one row each, in order
    assert [row["id"] for row in rows] == ids
    assert len(set(ids)) == len(PATIENTS)
    for row in rows:
        assert row["content"] == orjson.dumps(audit_event_resource(row))
        event = orjson.loads(row["content"])
        assert event["id"] == str(row["id"])
        assert row["patient_nhs"] in event["text"]["div"]


def test_the_narrative_is_built_once_for_many_patients(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []

    def counted(resource: dict[str, object]) -> dict[str, object]:
        built.append(str(resource["id"]))
        return with_narrative(resource)

    monkeypatch.setattr(audit, "with_narrative", counted)
    AuditTrail(GP).add("E", "Task?status=ready", PATIENTS)
    assert len(built) == 1


def test_values_that_are_not_nhs_numbers_get_an_event_built_each() -> None:
    trail = AuditTrail(GP)
    trail.add("R", "front-door/patient-care", ["9990000018", 'a"b<c>'])

    for row in _rows(trail):
        assert row["content"] == orjson.dumps(audit_event_resource(row))
