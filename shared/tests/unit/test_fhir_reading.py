"""`read_or_none`: None for what `tx.read` answers 404 or 410, every other refusal raised."""

from __future__ import annotations

from typing import Any

import pytest

from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.fhir.reading import read_or_none
from carecoord_shared.fhir.registry import FhirRegistry, patient_record
from carecoord_shared.security.principal import Principal, system_principal
from carecoord_shared.security.scopes import parse_scopes
from carecoord_shared.testing import InMemoryTransaction

NHS = "9990000018"
SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


def _unit(principal: Principal, *, authorised: bool = True) -> InMemoryTransaction:
    registry = FhirRegistry("reading").add(
        patient_record("Communication", "Communication.subject", "A message.")
    )
    return InMemoryTransaction(registry, principal, authorised=authorised)


def _message() -> dict[str, Any]:
    return {
        "resourceType": "Communication",
        "status": "completed",
        "subject": {"identifier": {"system": SYSTEM, "value": NHS}},
    }


async def test_a_visible_resource_is_read_and_an_unknown_or_deleted_one_is_none() -> None:
    tx = _unit(system_principal("reading"))
    kept, _ = await tx.create("Communication", _message())
    removed, _ = await tx.create("Communication", _message())
    await tx.delete("Communication", removed.id)

    found = await read_or_none(tx, "Communication", kept.id, lock=True)

    assert found is not None
    assert found.id == kept.id
    assert await read_or_none(tx, "Communication", "unknown") is None
    assert await read_or_none(tx, "Communication", removed.id) is None


async def test_one_the_caller_may_not_see_is_none_and_a_refused_scope_is_raised() -> None:
    tx = _unit(system_principal("reading"))
    stored, _ = await tx.create("Communication", _message())
    tx.principal = Principal("gp-1", "staff", "gp", "B82002", None, parse_scopes("user/*.r"))
    assert await read_or_none(tx, "Communication", stored.id) is None

    unscoped = _unit(
        Principal("gp-1", "staff", "gp", "B82002", None, parse_scopes("user/Patient.r")),
        authorised=False,
    )
    with pytest.raises(FhirError) as refused:
        await read_or_none(unscoped, "Communication", stored.id)
    assert refused.value.status == 403
