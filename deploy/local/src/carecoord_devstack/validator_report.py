"""What the HAPI validator found (`Summary`: message classes with examples) and the
table CI prints of it, with the errors CareCoord knowingly disagrees about."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ACCEPTED",
    "Example",
    "MessageClass",
    "Summary",
    "accepted_errors",
    "exit_code",
    "render",
]


@dataclass(frozen=True, slots=True)
class Example:
    file: str
    location: str
    message: str


@dataclass(frozen=True, slots=True)
class MessageClass:
    """Messages that share the validator's message id (or, lacking one, a stripped text)."""

    severity: str  # "error", "warning" or "information"
    name: str
    template: str
    count: int
    files: int
    examples: tuple[Example, ...]

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> MessageClass:
        examples = (
            Example(str(e["file"]), str(e["location"]), str(e["message"])) for e in raw["examples"]
        )
        return cls(
            severity=str(raw["severity"]),
            name=str(raw["class"]),
            template=str(raw["template"]),
            count=int(raw["count"]),
            files=int(raw["files"]),
            examples=tuple(examples),
        )


@dataclass(frozen=True, slots=True)
class Summary:
    files: int
    files_with_errors: int
    errors: int
    warnings: int
    information: int
    elapsed_seconds: float
    definitions: dict[str, int]
    classes: tuple[MessageClass, ...]
    by_file: dict[str, dict[str, int]]

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Summary:
        """The Java program's summary (its camelCase JSON) as typed values."""
        severities = ("errors", "warnings", "information")
        return cls(
            files=int(raw["files"]),
            files_with_errors=int(raw["filesWithErrors"]),
            errors=int(raw["errors"]),
            warnings=int(raw["warnings"]),
            information=int(raw["information"]),
            elapsed_seconds=float(raw["elapsedSeconds"]),
            definitions={str(k): int(v) for k, v in raw["definitions"].items()},
            classes=tuple(MessageClass.from_json(c) for c in raw["classes"]),
            by_file={str(f["file"]): {k: int(f[k]) for k in severities} for f in raw["byFile"]},
        )

    def of_severity(self, severity: str) -> list[MessageClass]:
        return [c for c in self.classes if c.severity == severity]


ACCEPTED: dict[str, str] = {
    "MEASURE_MR_SCORE_VALUE_REQUIRED": (
        "a proportion with no one in its denominator is undefined: CareCoord says so with "
        "data-absent-reason (FHIR's measureScore is 0..1) where HAPI wants a number"
    ),
}
"""Error classes CareCoord disagrees with HAPI about, each with the reason: printed on
every run, never counted as passing silently."""


def accepted_errors(summary: Summary) -> list[MessageClass]:
    return [c for c in summary.of_severity("error") if c.name in ACCEPTED]


def exit_code(summary: Summary, max_errors: int = 0) -> int:
    counted = summary.errors - sum(c.count for c in accepted_errors(summary))
    return 0 if counted <= max_errors else 1


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render(summary: Summary, samples: Path) -> str:
    """The table people read in CI: errors and warnings by class, with totals."""
    lines = [f"HAPI FHIR validator (base R4) on {samples}: {summary.elapsed_seconds:.1f} s"]
    if summary.definitions:
        published = ", ".join(f"{n} {kind}" for kind, n in summary.definitions.items())
        lines.append(f"published definitions loaded: {published}")
    for severity, title in (("error", "errors"), ("warning", "warnings")):
        found = summary.of_severity(severity)
        lines.append(f"\n{title} by class ({sum(c.count for c in found)} in {len(found)} classes)")
        if found:
            lines.append(f"{'count':>7} {'files':>6}  class")
        for c in found:
            lines.append(f"{c.count:>7} {c.files:>6}  {_clip(c.name, 90)}")
            e = c.examples[0]
            lines.append(f"{'':>16}e.g. {e.file} {e.location}: {_clip(e.message, 160)}")
    for c in accepted_errors(summary):
        lines.append(f"\naccepted, not counted: {c.count} {c.name}: {ACCEPTED[c.name]}")
    lines.append(
        f"\ntotal: {summary.files} files ({summary.files_with_errors} with errors), "
        f"{summary.errors} errors, {summary.warnings} warnings, "
        f"{summary.information} information"
    )
    return "\n".join(lines)
