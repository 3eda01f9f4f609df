"""The sample recorder leaves out resources cut down on purpose (issue 14, item 5): a
SUBSETTED-tagged resource (`_summary`, `_elements`) has no narrative by design, so the
validator would count a missing-narrative warning for what the client asked for."""

from __future__ import annotations

import json
from pathlib import Path

from carecoord_devstack.fhir_samples import SampleRecorder

_TAG = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}
_CUT = {"resourceType": "Goal", "id": "g1", "meta": {"tag": [_TAG]}, "lifecycleStatus": "active"}
_WHOLE = {"resourceType": "Goal", "id": "g2", "lifecycleStatus": "active"}


def _bundle(*resources: dict[str, object]) -> bytes:
    entries = [{"resource": r} for r in resources]
    return json.dumps({"resourceType": "Bundle", "type": "searchset", "entry": entries}).encode()


def test_subsetted_resources_alone_or_in_a_bundle_are_not_recorded(tmp_path: Path) -> None:
    recorder = SampleRecorder(tmp_path)
    assert recorder.record_body(json.dumps(_CUT).encode()) is None
    assert recorder.record_body(_bundle(_WHOLE, _CUT)) is None
    kept = recorder.record_body(json.dumps(_WHOLE).encode())
    assert kept is not None
    assert recorder.record_body(_bundle(_WHOLE)) is not None
    assert sorted(p.name.split("-")[0] for p in tmp_path.glob("*.json")) == ["Bundle", "Goal"]
