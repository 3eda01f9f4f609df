"""The independent FHIR validator judges resources as HAPI FHIR does, and the samples plugin
feeds it each distinct response once.

One real validation run (Maven builds the Java program the first time, ~30-60 s; later
runs take seconds) covers a valid and an invalid Patient and the published definitions;
the plugin is tested on its own with in-process transports.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from carecoord_devstack import validator
from carecoord_devstack.fhir_samples import SampleRecorder, content_hash, install
from carecoord_devstack.validator_measures import with_service_measures

LOCAL = "https://fhir.carecoord.example"
NARRATIVE = {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'}
VALID_PATIENT = {"resourceType": "Patient", "text": NARRATIVE, "gender": "female"}
INVALID_PATIENT = {
    "resourceType": "Patient",
    "text": NARRATIVE,
    "gender": "dragon",
    "birthDate": "1970-13-45",
}
TRIAGE_OUTCOMES = {
    "resourceType": "CodeSystem",
    "url": f"{LOCAL}/CodeSystem/triage-outcome",
    "name": "TriageOutcome",
    "status": "active",
    "content": "complete",
    "concept": [{"code": "accepted"}, {"code": "rejected"}],
}


MEASURE = {
    "resourceType": "Measure",
    "id": "G9",
    "url": f"{LOCAL}/Measure/G9",
    "name": "G9",
    "status": "active",
    "scoring": {
        "coding": [
            {"system": "http://terminology.hl7.org/CodeSystem/measure-scoring", "code": "cohort"}
        ]
    },
}


def _report(measure: str) -> dict[str, Any]:
    return {
        "resourceType": "MeasureReport",
        "text": NARRATIVE,
        "status": "complete",
        "type": "summary",
        "measure": measure,
        "period": {"start": "2026-01-01", "end": "2026-02-01"},
    }


def _condition(code: str, system: str = f"{LOCAL}/CodeSystem/triage-outcome") -> dict[str, Any]:
    coding = {"system": system, "code": code}
    return {
        "resourceType": "Condition",
        "text": NARRATIVE,
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [coding]},
    }


def _write(folder: Path, name: str, resource: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(resource))


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> validator.Summary:
    """The one real (Java) validation run this module makes."""
    root = tmp_path_factory.mktemp("validation")
    _write(root / "samples", "Patient-valid.json", VALID_PATIENT)
    _write(root / "samples", "Patient-invalid.json", INVALID_PATIENT)
    _write(root / "samples", "Condition-accepted.json", _condition("accepted"))
    _write(root / "samples", "Condition-misfiled.json", _condition("misfiled"))
    unpublished = _condition("x", system="https://fhir.nhs.uk/CodeSystem/unpublished")
    _write(root / "samples", "Condition-unpublished.json", unpublished)
    _write(root / "samples", "MeasureReport-known.json", _report(f"{LOCAL}/Measure/G9"))
    _write(root / "samples", "MeasureReport-unknown.json", _report(f"{LOCAL}/Measure/nope"))
    _write(root / "definitions", "CodeSystem-triage-outcome.json", TRIAGE_OUTCOMES)
    _write(root / "definitions", "Measure-G9.json", MEASURE)
    return validator.validate(root / "samples", root / "definitions")


def _errors_in(summary: validator.Summary, file: str) -> dict[str, str]:
    return {
        c.name: e.location
        for c in summary.of_severity("error")
        for e in c.examples
        if e.file == file
    }


def test_valid_patient_has_no_errors(summary: validator.Summary) -> None:
    assert summary.files == 7
    assert summary.by_file["Patient-valid.json"]["errors"] == 0
    assert summary.by_file["Condition-accepted.json"]["errors"] == 0


def test_invalid_patient_errors_are_counted_by_class(summary: validator.Summary) -> None:
    errors = _errors_in(summary, "Patient-invalid.json")
    assert errors["Type_Specific_Checks_DT_Date_Valid"] == "Patient.birthDate"
    assert errors["Terminology_TX_NoValid_16"] == "Patient.gender"  # required binding
    assert summary.by_file["Patient-invalid.json"]["errors"] >= 2
    assert summary.files_with_errors == 2
    assert summary.errors == sum(c.count for c in summary.of_severity("error"))


def test_published_code_system_is_enforced(summary: validator.Summary) -> None:
    assert summary.definitions == {"CodeSystem": 1, "Measure": 1}
    errors = _errors_in(summary, "Condition-misfiled.json")
    assert errors == {"Terminology_PassThrough_TX_Message: Unknown code '…'": "Condition.code"}


def test_code_system_nobody_published_is_a_warning_not_an_error(
    summary: validator.Summary,
) -> None:
    assert summary.by_file["Condition-unpublished.json"]["errors"] == 0
    unknown = [c for c in summary.of_severity("warning") if "CodeSystem is unknown" in c.name]
    assert [e.file for c in unknown for e in c.examples] == ["Condition-unpublished.json"]


def test_a_measure_report_resolves_a_published_measure(summary: validator.Summary) -> None:
    unresolved = [c for c in summary.classes if c.name == "Measure_MR_M_NotFound"]
    assert [e.file for c in unresolved for e in c.examples] == ["MeasureReport-unknown.json"]
    assert summary.by_file["MeasureReport-known.json"] == {
        "errors": 0,
        "warnings": 0,
        "information": 0,
    }


def test_the_services_measures_join_the_published_definitions(tmp_path: Path) -> None:
    _write(tmp_path, "CodeSystem-triage-outcome.json", TRIAGE_OUTCOMES)
    with with_service_measures(tmp_path) as folder:
        names = sorted(p.name for p in folder.glob("*.json"))
        measures = [json.loads((folder / n).read_text()) for n in names if n.startswith("Measure")]
    assert "CodeSystem-triage-outcome.json" in names
    assert {m["url"] for m in measures} >= {f"{LOCAL}/Measure/G{n}" for n in (1, 2, 3)}


def test_errors_fail_the_run_unless_tolerated(summary: validator.Summary) -> None:
    assert validator.exit_code(summary) == 1
    assert validator.exit_code(summary, max_errors=summary.errors) == 0
    assert "Type_Specific_Checks_DT_Date_Valid" in validator.render(summary, Path("samples"))


def test_empty_folder_passes_and_bad_arguments_are_usage_errors(tmp_path: Path) -> None:
    validator.ensure_built()
    empty = subprocess.run(validator.java_command(tmp_path), capture_output=True, check=False)
    assert empty.returncode == 0
    assert json.loads(empty.stdout)["files"] == 0
    missing = tmp_path / "missing"
    usage = subprocess.run(validator.java_command(missing), capture_output=True, check=False)
    assert usage.returncode == validator.USAGE_EXIT
    assert validator.main([str(missing)]) == validator.USAGE_EXIT


def test_same_resource_is_stored_once_under_its_content_hash(tmp_path: Path) -> None:
    recorder = SampleRecorder(tmp_path)
    first = recorder.record_body(b'{"resourceType": "Patient", "id": "a", "gender": "male"}')
    again = SampleRecorder(tmp_path).record_body(
        b'{"gender":"male","id":"a","resourceType":"Patient"}'
    )
    assert first is not None
    assert (
        first.name
        == f"Patient-{content_hash({'resourceType': 'Patient', 'id': 'a', 'gender': 'male'})}.json"
    )
    assert again is None
    assert [p.name for p in tmp_path.iterdir()] == [first.name]


def test_only_fhir_resources_within_the_limit_are_kept(tmp_path: Path) -> None:
    recorder = SampleRecorder(tmp_path, per_type=2)
    outcome = b'{"resourceType": "OperationOutcome", "issue": []}'
    assert recorder.record_body(outcome, status=503) is None
    assert recorder.record_body(outcome, status=400) is not None
    assert recorder.record_body(b'{"status": "ok"}') is None
    assert recorder.record_body(b"[1, 2]") is None
    kept = [
        recorder.record_body(f'{{"resourceType": "Task", "id": "{n}"}}'.encode()) for n in range(3)
    ]
    assert [path is not None for path in kept] == [True, True, False]


def _fhir(request: httpx.Request) -> httpx.Response:
    body = {"resourceType": "Patient", "id": request.url.path.rsplit("/", 1)[-1]}
    return httpx.Response(200, json=body, headers={"content-type": "application/fhir+json"})


class _Server(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return _fhir(request)


class _AsyncServer(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return _fhir(request)


async def _fetch_async(path: str) -> None:
    async with httpx.AsyncClient(transport=_AsyncServer(), base_url="http://t") as client:
        await client.get(path)


def test_responses_of_both_clients_are_recorded_but_not_hand_written_fakes(
    tmp_path: Path,
) -> None:
    patch = install(SampleRecorder(tmp_path))
    try:
        with httpx.Client(transport=_Server(), base_url="http://t") as client:
            client.get("/Patient/sync")
        asyncio.run(_fetch_async("/Patient/async"))
        with httpx.Client(transport=httpx.MockTransport(_fhir), base_url="http://t") as fake:
            fake.get("/Patient/fake")
    finally:
        patch.undo()
    with httpx.Client(transport=_Server(), base_url="http://t") as client:
        client.get("/Patient/after-undo")
    ids = sorted(json.loads(p.read_text())["id"] for p in tmp_path.glob("Patient-*.json"))
    assert ids == ["async", "sync"]


def _summary_of(*classes: validator.MessageClass) -> validator.Summary:
    errors = sum(c.count for c in classes)
    return validator.Summary(errors, errors, errors, 0, 0, 0.1, {}, classes, {})


def _error_class(name: str, count: int) -> validator.MessageClass:
    example = validator.Example("MeasureReport-x.json", "MeasureReport.group[0]", "m")
    return validator.MessageClass("error", name, name, count, count, (example,))


def test_an_accepted_disagreement_is_printed_and_not_counted_and_nothing_else_is() -> None:
    accepted = _error_class("MEASURE_MR_SCORE_VALUE_REQUIRED", 2)
    alone = _summary_of(accepted)
    assert validator.exit_code(alone) == 0
    rendered = validator.render(alone, Path("samples"))
    assert "accepted, not counted: 2 MEASURE_MR_SCORE_VALUE_REQUIRED: a proportion" in rendered
    with_another = _summary_of(accepted, _error_class("MEASURE_MR_SCORE_REQUIRED", 1))
    assert validator.exit_code(with_another) == 1  # a missing score altogether still fails
