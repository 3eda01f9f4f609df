"""A pytest plugin that keeps the FHIR resources the test suite receives, for the validator.

The independent validator (`carecoord_devstack.validator`, issue 14 item 7) can only judge
what it is shown, and the richest source of real responses is the suite's own journeys:
every CapabilityStatement, search Bundle, OperationOutcome and resource a test's httpx
client receives. With `CARECOORD_FHIR_SAMPLES=<folder>` set, this plugin wraps
`httpx.Client.send` and `httpx.AsyncClient.send` for the session and writes each distinct
JSON body that has a `resourceType` to `<folder>/<ResourceType>-<sha1[:12]>.json`.

Names are hashes of the body's canonical JSON, so the same body is stored once however
often (or by however many pytest-xdist workers) it is received, and two workers writing
the same name write the same bytes; each file appears atomically (written aside, then
renamed). At most `CARECOORD_FHIR_SAMPLES_PER_TYPE` (default 50) bodies per resource type
are kept, which bounds the validator's run. Left out: 5xx OperationOutcomes (a crash
report, not a conformance claim), bodies from `httpx.MockTransport`, which tests write
by hand to stand in for other services, and resources tagged SUBSETTED (`_summary`,
`_elements`: cut down on purpose, without their narrative), alone or in a Bundle.
Without the variable the plugin does nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

__all__ = [
    "ENV",
    "SampleRecorder",
    "install",
    "pytest_configure",
    "pytest_unconfigure",
    "subsetted",
]

ENV = "CARECOORD_FHIR_SAMPLES"
LIMIT_ENV = "CARECOORD_FHIR_SAMPLES_PER_TYPE"
DEFAULT_PER_TYPE = 50
RESOURCE_TYPE = re.compile(r"^[A-Z][A-Za-z]{1,63}$")  # also keeps file names tame
_PATCH = pytest.StashKey[pytest.MonkeyPatch]()


class SampleRecorder:
    """Stores distinct FHIR JSON bodies in a folder, at most `per_type` of each type."""

    def __init__(self, folder: Path, per_type: int = DEFAULT_PER_TYPE) -> None:
        self.folder = folder
        self.per_type = per_type
        self._seen: set[str] = set()

    def record_response(self, response: httpx.Response) -> Path | None:
        if "json" not in response.headers.get("content-type", ""):
            return None
        try:
            body = response.content
        except httpx.ResponseNotRead:  # a streamed response the test reads itself
            return None
        return self.record_body(body, status=response.status_code)

    def record_body(self, body: bytes, status: int = 200) -> Path | None:
        """Store `body` if it is a FHIR resource not stored yet; the file, or None."""
        try:
            resource = json.loads(body)
        except ValueError:
            return None
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if not isinstance(kind, str) or not RESOURCE_TYPE.match(kind):
            return None
        if (status >= 500 and kind == "OperationOutcome") or subsetted(resource):
            return None
        name = f"{kind}-{content_hash(resource)}.json"
        if name in self._seen:
            return None
        self._seen.add(name)
        target = self.folder / name
        if target.exists() or self._full(kind):
            return None
        self._write(target, body)
        return target

    def _full(self, kind: str) -> bool:
        # Counted on disk, so xdist workers share the limit (a race may overshoot by a few).
        return sum(1 for _ in self.folder.glob(f"{kind}-*.json")) >= self.per_type

    def _write(self, target: Path, body: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        aside = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        aside.write_bytes(body)
        aside.replace(target)


def subsetted(resource: dict[str, Any]) -> bool:
    """The resource, or a resource in its Bundle's entries, carries the SUBSETTED tag."""
    entries = resource.get("entry") if resource.get("resourceType") == "Bundle" else None
    inner = [e.get("resource") for e in entries if isinstance(e, dict)] if entries else []
    for each in (resource, *inner):
        meta = each.get("meta") if isinstance(each, dict) else None
        tags = meta.get("tag") if isinstance(meta, dict) else None
        if isinstance(tags, list) and any(
            isinstance(t, dict) and t.get("code") == "SUBSETTED" for t in tags
        ):
            return True
    return False


def content_hash(resource: Any) -> str:
    """sha1 of the canonical JSON (sorted keys, no spaces): key order and layout ignored."""
    canonical = json.dumps(resource, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha1(canonical.encode(), usedforsecurity=False).hexdigest()[:12]


def _mocked(client: httpx.Client | httpx.AsyncClient) -> bool:
    return isinstance(getattr(client, "_transport", None), httpx.MockTransport)


def install(recorder: SampleRecorder) -> pytest.MonkeyPatch:
    """Wrap both clients' `send`; `undo()` on the returned patch restores them."""
    sync_send = httpx.Client.send
    async_send = httpx.AsyncClient.send

    def send(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        response = sync_send(self, request, **kwargs)
        if not _mocked(self):
            recorder.record_response(response)
        return response

    async def asend(
        self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any
    ) -> httpx.Response:
        response = await async_send(self, request, **kwargs)
        if not _mocked(self):
            recorder.record_response(response)
        return response

    patch = pytest.MonkeyPatch()
    patch.setattr(httpx.Client, "send", send)
    patch.setattr(httpx.AsyncClient, "send", asend)
    return patch


def pytest_configure(config: pytest.Config) -> None:
    folder = os.environ.get(ENV, "").strip()
    if not folder:
        return
    per_type = int(os.environ.get(LIMIT_ENV, "") or DEFAULT_PER_TYPE)
    # Resolved now: a test that changes directory must not scatter samples elsewhere.
    recorder = SampleRecorder(Path(folder).resolve(), per_type)
    config.stash[_PATCH] = install(recorder)


def pytest_unconfigure(config: pytest.Config) -> None:
    with contextlib.suppress(KeyError):
        config.stash[_PATCH].undo()
