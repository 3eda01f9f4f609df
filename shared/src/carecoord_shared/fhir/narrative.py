"""Generated narrative (`text.div`): what a person reading the resource sees.

FHIR expects resources people read to carry a human-readable summary (dom-6); GP
systems show it when they do not understand the structure. For the types a service
marks `narrative=True`, the unit of work writes a plain XHTML table of the elements a
reader cares about, escaped, whenever the body carries no narrative of its own (or
carries one the server generated earlier, which would otherwise go stale).

The kernel builds some resources itself rather than storing them: OperationOutcomes
(every error, warning and `Prefer: return=OperationOutcome`), the CapabilityStatement,
OperationDefinitions, the published StructureDefinitions, CodeSystems and ValueSets, and
AuditEvents. `narrated` gives those a narrative when they are sent (inside Bundles and
Parameters too); stored resources are never changed on the way out.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from carecoord_shared.fhir.outcome import Issue, JsonObject, operation_outcome

__all__ = ["KERNEL_BUILT", "narrated", "outcome", "with_narrative"]

_SHOWN = (
    "status", "intent", "priority", "title", "name", "description", "category", "code",
    "subject", "for", "patient", "requester", "performer", "owner", "authoredOn",
    "occurrenceDateTime", "period", "date", "lifecycleStatus", "businessStatus", "measure",
    "payload", "note",
)  # fmt: skip
_CONFORMANCE = ("url", "version", "name", "title", "status", "date", "description")
_SHOWN_FOR: dict[str, tuple[str, ...]] = {
    "AuditEvent": ("type", "action", "recorded", "outcome", "agent", "entity", "purposeOfEvent"),
    "CapabilityStatement": (*_CONFORMANCE, "kind", "software", "implementation", "fhirVersion"),
    "OperationDefinition": (*_CONFORMANCE, "code", "kind", "resource", "parameter"),
    "StructureDefinition": (*_CONFORMANCE, "type", "kind", "context"),
    "CodeSystem": (*_CONFORMANCE, "content", "concept"),
    "ValueSet": (*_CONFORMANCE, "compose"),
    "SearchParameter": (*_CONFORMANCE, "code", "base", "type", "expression"),
}
KERNEL_BUILT = frozenset({"OperationOutcome", *_SHOWN_FOR})
"""Types the kernel builds (not stores): `narrated` gives them a narrative when sent."""
_LABELS = ("text", "display", "name", "description", "contentString", "valueString")
_POINTERS = ("who", "what", "include")
_MAX_TEXT = 200


def _text(value: Any) -> str:
    """A short reading of one element's value."""
    if isinstance(value, list):
        return "; ".join(t for t in (_text(v) for v in value[:5]) if t)
    if not isinstance(value, dict):
        return str(value)[:_MAX_TEXT]
    for key in _LABELS:
        if isinstance(value.get(key), str):
            return str(value[key])[:_MAX_TEXT]
    if "coding" in value:
        return _text(value["coding"])
    for key in ("code", "reference", "system"):
        if key in value:
            return str(value[key])
    if isinstance(value.get("identifier"), dict):
        return str(value["identifier"].get("value", ""))
    if "start" in value or "end" in value:
        return f"{value.get('start', '…')} to {value.get('end', '…')}"
    return next((_text(value[k]) for k in _POINTERS if k in value), "")


def _rows(resource: JsonObject) -> list[tuple[str, str]]:
    kind = str(resource.get("resourceType"))
    if kind == "OperationOutcome":
        return [
            (str(i.get("severity", "")), f"{i.get('code', '')}: {_issue_text(i)}")
            for i in resource.get("issue", [])[:20]
            if isinstance(i, dict)
        ]
    shown = _SHOWN_FOR.get(kind, _SHOWN)
    rows = [(name, _text(resource[name])) for name in shown if name in resource]
    if kind == "CapabilityStatement":
        types = [
            r.get("type") for rest in resource.get("rest", []) for r in rest.get("resource", [])
        ]
        rows.append(("resources", ", ".join(str(t) for t in types)))
    return [(name, text) for name, text in rows if text]


def _issue_text(issue: JsonObject) -> str:
    where = ", ".join(str(e) for e in issue.get("expression", []))
    text = str(issue.get("diagnostics") or _text(issue.get("details", "")))[:_MAX_TEXT]
    return f"{text} ({where})" if where else text


def _div(resource: JsonObject) -> str:
    rows = [f"<tr><th>{escape(n)}</th><td>{escape(t)}</td></tr>" for n, t in _rows(resource)]
    heading = f"<p><b>{escape(str(resource.get('resourceType', 'Resource')))}</b></p>"
    table = f"<table>{''.join(rows)}</table>" if rows else ""
    language = resource.get("language")
    lang = (
        f' lang="{escape(language)}" xml:lang="{escape(language)}"'
        if isinstance(language, str)
        else ""
    )
    return f'<div xmlns="http://www.w3.org/1999/xhtml"{lang}>{heading}{table}</div>'


def with_narrative(body: JsonObject) -> JsonObject:
    """`body` with a generated narrative, unless it carries one of its own."""
    text = body.get("text")
    if isinstance(text, dict) and text.get("status") not in (None, "generated"):
        return body
    body["text"] = {"status": "generated", "div": _div(body)}
    return body


def outcome(issues: Sequence[Issue]) -> JsonObject:
    """An OperationOutcome with its narrative: the issues as a reader sees them."""
    return with_narrative(operation_outcome(issues))


def narrated(value: JsonObject) -> JsonObject:
    """A resource about to be sent, with a narrative on every kernel-built resource in it
    that has none (Bundle entries, their response outcomes and Parameters included)."""
    kind = value.get("resourceType")
    if kind in KERNEL_BUILT and "text" not in value:
        return with_narrative(dict(value))
    if kind == "Bundle" and isinstance(value.get("entry"), list):
        return {**value, "entry": [_narrated_entry(e) for e in value["entry"]]}
    if kind == "Parameters" and isinstance(value.get("parameter"), list):
        return {**value, "parameter": [_narrated_part(p, "resource") for p in value["parameter"]]}
    return value


def _narrated_part(part: Any, key: str) -> Any:
    if isinstance(part, dict) and isinstance(part.get(key), dict):
        return {**part, key: narrated(part[key])}
    return part


def _narrated_entry(entry: Any) -> Any:
    entry = _narrated_part(entry, "resource")
    if isinstance(entry, dict) and isinstance(entry.get("response"), dict):
        return {**entry, "response": _narrated_part(entry["response"], "outcome")}
    return entry
