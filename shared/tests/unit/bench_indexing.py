"""Index extraction per resource, compiled FHIRPath against fhirpathpy (issue 16).

`.venv/bin/python -m shared.tests.unit.bench_indexing [repeats]` times `index_rows` and
`patient_nhs_of` (what a write runs per resource) for an A&G submission's
ServiceRequest and triage Task and for a CarePlan, stored resources from
`indexed_resources.json`, in CPU time: the median and range of five runs, first with
every expression evaluated by fhirpathpy (as before issue 16), then compiled.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from unittest import mock

from carecoord_shared.fhir.registry import ResourceDefinition
from carecoord_shared.store import fhirpath_compiled, indexing
from shared.tests.unit.fhirpath_corpus import STORED, Resource, registry


def _median_of(resource: Resource, definition: ResourceDefinition, repeats: int) -> str:
    runs = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(repeats):
            indexing.index_rows(definition, resource)
            indexing.patient_nhs_of(definition, resource)
        runs.append((time.process_time() - started) / repeats * 1e6)
    return f"{statistics.median(runs):6.1f} us ({min(runs):.1f}-{max(runs):.1f})"


def _first(resources: list[Resource], kind: str, test: Callable[[Resource], bool]) -> Resource:
    return next(r for r in resources if r["resourceType"] == kind and test(r))


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    stored: list[Resource] = json.loads(STORED.read_text())
    referrals, care_plans = registry("referrals"), registry("care_plans")
    cases = {
        "ServiceRequest": _first(stored, "ServiceRequest", lambda r: "extension" in r),
        "Task": _first(stored, "Task", lambda r: "ServiceRequest/" in str(r.get("focus"))),
        "CarePlan": _first(stored, "CarePlan", lambda r: "activity" in r),
    }
    for kind, resource in cases.items():
        definition = (care_plans if kind == "CarePlan" else referrals).get(kind)
        assert definition is not None
        with mock.patch.object(indexing, "extractor", fhirpath_compiled.general):
            before = _median_of(resource, definition, repeats)
        after = _median_of(resource, definition, repeats)
        print(f"{kind:15s} fhirpathpy {before}   compiled {after}")


if __name__ == "__main__":
    main()
