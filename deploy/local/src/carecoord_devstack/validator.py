"""An independent FHIR validator for what the services send: HAPI FHIR's, run with Java 17.

Our own tests check what we believe FHIR R4 says; a vendor's system checks what it
actually says. Issue 14 (item 7) asks CI for that second opinion: the reference
implementation's instance validator (deploy/validator, a small Java program) run once
over every response body the test suite collected (`carecoord_devstack.fhir_samples`),
with the figures (errors, warnings by class) printed and errors failing the build.

Maven builds the program into the git-ignored `.run/validator/build` (jar plus
dependencies, as for Kafka's jars) only when the pom or the Java source changes, and a
class-data-sharing archive is written once after each build, so a run over a few hundred
samples takes seconds, not a minute. `python -m carecoord_devstack.validator <samples>` prints the
table; the exit status is non-zero when errors exceed `--max-errors` (default 0). Besides the
published definitions (`--definitions`), the command loads the Measures the services write at
start-up (`validator_measures`), so every MeasureReport.measure resolves as it does against
the running services (`--no-service-measures` leaves them out).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path

from carecoord_devstack.paths import DevstackError, repo_root, run_dir
from carecoord_devstack.validator_measures import with_service_measures
from carecoord_devstack.validator_report import (
    Example,
    MessageClass,
    Summary,
    exit_code,
    render,
)

__all__ = [
    "USAGE_EXIT",
    "Example",
    "MessageClass",
    "Summary",
    "ensure_built",
    "exit_code",
    "java_command",
    "main",
    "render",
    "validate",
]

MAIN_CLASS = "uk.carecoord.validator.Main"
# One JVM for the whole folder: a bounded heap for a 2-core box, the C1 compiler only
# (the run is seconds long; C2 would cost more than it saves) and the serial collector.
JVM_OPTIONS = ("-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true")
USAGE_EXIT = 2  # the Java program's (and this CLI's) status for unusable arguments
TRAINING_PATIENT = {"resourceType": "Patient", "gender": "unknown", "birthDate": "1970-01-01"}


def source_dir() -> Path:
    return repo_root() / "deploy" / "validator"


def build_dir() -> Path:
    return run_dir("validator", "build")


def classpath() -> str:
    folder = build_dir()
    return f"{folder / 'validator.jar'}{os.pathsep}{folder / 'libs' / '*'}"


def source_digest() -> str:
    """A hash of the pom and everything under src/: what a build is made from."""
    digest = hashlib.sha256()
    files = [source_dir() / "pom.xml", *sorted((source_dir() / "src").rglob("*"))]
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(source_dir()).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java or not Path(java).is_file():
        raise DevstackError("Java 17+ is needed for the FHIR validator: put `java` on PATH")
    return java


@contextlib.contextmanager
def _build_lock() -> Iterator[None]:
    """pytest-xdist workers may all ask for the build at once: one builds, the rest wait."""
    run_dir("validator").mkdir(parents=True, exist_ok=True)
    with (run_dir("validator") / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure_built() -> str:
    """Build the validator unless the build on disk came from the same source; its classpath."""
    digest = source_digest()
    stamp = build_dir() / ".source-sha256"
    with _build_lock():
        if stamp.is_file() and stamp.read_text().strip() == digest:
            return classpath()
        mvn = shutil.which("mvn")
        if not mvn:
            raise DevstackError("Maven (`mvn`) is needed once to build the FHIR validator")
        partial = run_dir("validator", "build.partial")
        shutil.rmtree(partial, ignore_errors=True)
        cmd = [mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(source_dir() / "pom.xml")]
        cmd += [f"-Dvalidator.home={partial}", "package", "dependency:copy-dependencies"]
        cmd += ["-DincludeScope=runtime", f"-DoutputDirectory={partial / 'libs'}"]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=1800)
        if done.returncode:
            raise DevstackError(f"Maven could not build the FHIR validator:\n{done.stdout[-3000:]}")
        shutil.rmtree(build_dir(), ignore_errors=True)
        partial.rename(build_dir())
        _write_class_archive()
        stamp.write_text(digest + "\n")
    return classpath()


def _archive() -> Path:
    return build_dir() / "validator.jsa"


def _write_class_archive() -> None:
    """Record the classes one validation loads (AppCDS): every later start saves about a
    second of CPU on this 2-core box. Optional: without the archive (or with a stale one)
    the JVM simply loads the classes again."""
    with tempfile.TemporaryDirectory(prefix="validator-training-") as folder:
        (Path(folder) / "Patient.json").write_text(json.dumps(TRAINING_PATIENT))
        cmd = [_java(), *JVM_OPTIONS, f"-XX:ArchiveClassesAtExit={_archive()}"]
        cmd += ["-cp", classpath(), MAIN_CLASS, folder]
        subprocess.run(cmd, capture_output=True, check=False, timeout=600)


def java_command(samples: Path, definitions: Path | None = None) -> list[str]:
    cmd = [_java(), *JVM_OPTIONS]
    if _archive().is_file():
        cmd.append(f"-XX:SharedArchiveFile={_archive()}")
    cmd += ["-cp", classpath(), MAIN_CLASS, str(samples)]
    return [*cmd, str(definitions)] if definitions else cmd


def validate(samples: Path, definitions: Path | None = None) -> Summary:
    """Validate every `*.json` under `samples` in one JVM; errors in the result, not raised."""
    ensure_built()
    done = subprocess.run(
        java_command(samples, definitions), capture_output=True, text=True, check=False, timeout=900
    )
    if done.returncode not in (0, 1):
        raise DevstackError(
            f"the FHIR validator failed ({done.returncode}):\n{done.stderr[-3000:]}"
        )
    summary = Summary.from_json(json.loads(done.stdout))
    if done.returncode != (1 if summary.errors else 0):  # CI trusts the status: check it
        raise DevstackError(f"the validator exited {done.returncode} with {summary.errors} errors")
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m carecoord_devstack.validator")
    parser.add_argument("samples", type=Path, help="folder of FHIR JSON (fhir_samples fills it)")
    parser.add_argument("--definitions", type=Path, help="folder of published definitions")
    parser.add_argument("--max-errors", type=int, default=0, help="errors tolerated (default 0)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--no-service-measures",
        action="store_true",
        help="do not load the Measures the services write at start-up",
    )
    args = parser.parse_args(argv)
    if not args.samples.is_dir():
        print(
            f"{args.samples} is not a folder: run the tests with CARECOORD_FHIR_SAMPLES="
            f"{args.samples} first",
            file=sys.stderr,
        )
        return USAGE_EXIT
    try:
        if args.no_service_measures:
            summary = validate(args.samples, args.definitions)
        else:
            with with_service_measures(args.definitions) as definitions:
                summary = validate(args.samples, definitions)
    except DevstackError as problem:
        print(problem, file=sys.stderr)
        return USAGE_EXIT
    print(json.dumps(asdict(summary)) if args.json else render(summary, args.samples))
    if summary.files == 0:
        print(f"warning: no FHIR samples in {args.samples}", file=sys.stderr)
    return exit_code(summary, args.max_errors)


if __name__ == "__main__":
    sys.exit(main())
