"""Attachments of A&G requests: DocumentReferences, size-limited.

A GP sends letters, photos or results with a request as DocumentReferences (the
request's `supportingInfo`, or the document's `context.related` pointing at it). Each
attachment is limited (`REFERRALS_MAX_ATTACHMENT_BYTES`, inline data or declared
`size`), so one large scan cannot swamp the triage clinicians' worklist or the store.
"""

from __future__ import annotations

import base64
import binascii

from carecoord_shared.fhir.outcome import FhirError, Issue, JsonObject
from carecoord_shared.fhir.registry import Validator


def attachment_rule(limit: int) -> Validator:
    def check(document: JsonObject) -> list[Issue]:
        for index, content in enumerate(document.get("content", [])):
            attachment = content.get("attachment") or {}
            where = f"DocumentReference.content[{index}].attachment"
            data = attachment.get("data")
            try:
                size = len(base64.b64decode(data, validate=True)) if data else 0
            except (binascii.Error, ValueError, TypeError):
                return [Issue("value", "The attachment data is not base64", (f"{where}.data",))]
            declared = attachment.get("size")
            if max(size, declared if isinstance(declared, int) else 0) > limit:
                raise FhirError(
                    413,
                    [Issue("too-costly", f"An attachment may be at most {limit} bytes", (where,))],
                )
        return []

    return check
