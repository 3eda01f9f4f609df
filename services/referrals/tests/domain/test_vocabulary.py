"""The domain spells the canonical root itself (it imports nothing that does I/O)."""

from __future__ import annotations

from carecoord_shared.fhir.definitions import extension_url, system_url
from carecoord_shared.fhir.operation_definition import CANONICAL_ROOT
from referrals.domain import vocabulary as v


def test_the_domains_canonical_root_is_the_kernels() -> None:
    assert v.CANONICAL_ROOT == CANONICAL_ROOT
    assert v.extension_url("triage-state") == extension_url("triage-state")
    assert v.system_url("triage-state") == system_url("triage-state")
