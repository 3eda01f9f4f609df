"""Generated narrative (`text.div`): what a person reading the resource sees.

FHIR expects resources people read to carry a human-readable summary (dom-6); GP
systems show it when they do not understand the structure. For the types a service
marks `narrative=True`, the unit of work writes a plain XHTML table of the elements a
reader cares about, escaped, whenever the body carries no narrative of its own (or
carries one the server generated earlier, which would otherwise go stale).
"""

from __future__ import annotations

from html import escape
from typing import Any

from carecoord_shared.fhir.outcome import JsonObject

__all__ = ["with_narrative"]

_SHOWN = (
    "status", "intent", "priority", "title", "name", "description", "category", "code",
    "subject", "for", "patient", "requester", "performer", "owner", "authoredOn",
    "occurrenceDateTime", "period", "date", "lifecycleStatus", "businessStatus", "measure",
    "payload", "note",
)  # fmt: skip
_MAX_TEXT = 200


def _text(value: Any) -> str:
    """A short reading of one element's value."""
    if isinstance(value, list):
        return "; ".join(t for t in (_text(v) for v in value[:5]) if t)
    if not isinstance(value, dict):
        return str(value)[:_MAX_TEXT]
    for key in ("text", "display", "contentString", "valueString"):
        if isinstance(value.get(key), str):
            return str(value[key])[:_MAX_TEXT]
    if "coding" in value:
        return _text(value["coding"])
    if "code" in value:
        return str(value["code"])
    if "reference" in value:
        return str(value["reference"])
    if isinstance(value.get("identifier"), dict):
        return str(value["identifier"].get("value", ""))
    if "start" in value or "end" in value:
        return f"{value.get('start', '…')} to {value.get('end', '…')}"
    return ""


def _div(resource: JsonObject) -> str:
    rows = [
        f"<tr><th>{escape(name)}</th><td>{escape(text)}</td></tr>"
        for name in _SHOWN
        if name in resource and (text := _text(resource[name]))
    ]
    heading = f"<p><b>{escape(str(resource.get('resourceType', 'Resource')))}</b></p>"
    table = f"<table>{''.join(rows)}</table>" if rows else ""
    return f'<div xmlns="http://www.w3.org/1999/xhtml">{heading}{table}</div>'


def with_narrative(body: JsonObject) -> JsonObject:
    """`body` with a generated narrative, unless it carries one of its own."""
    text = body.get("text")
    if isinstance(text, dict) and text.get("status") not in (None, "generated"):
        return body
    body["text"] = {"status": "generated", "div": _div(body)}
    return body
