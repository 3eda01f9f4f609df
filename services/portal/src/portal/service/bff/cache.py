"""Answers that are not patient data and change rarely (the service directory), kept
for a short while so a page does not ask again for what it asked a moment ago.

Each answer is kept under the service, the query and a digest of the caller's own
token: a person only ever gets back what their own token read, never someone else's
answer; a refusal or an error is never kept, and a service that is down is asked again.
"""

from __future__ import annotations

import time

from portal.service.bff.client import FhirClient, FhirReply, Query

__all__ = ["DIRECTORY_TTL_S", "get_kept"]

DIRECTORY_TTL_S = 30.0
_MOST = 2048
_KEPT: dict[tuple[str, str, str, tuple[tuple[str, str], ...]], tuple[float, FhirReply]] = {}


async def get_kept(
    api: FhirClient, path: str, params: Query, ttl_s: float = DIRECTORY_TTL_S
) -> FhirReply:
    """`api.get(path, params)`, answered from what this caller read under `ttl_s` ago."""
    key = (*api.caller, path, tuple(params))
    now = time.monotonic()
    kept = _KEPT.get(key)
    if kept is not None and now - kept[0] < ttl_s:
        return kept[1]
    reply = await api.get(path, params)
    if reply.ok:
        if len(_KEPT) >= _MOST:  # the oldest half goes: a bound, not an eviction policy
            for old in sorted(_KEPT, key=lambda k: _KEPT[k][0])[: _MOST // 2]:
                del _KEPT[old]
        _KEPT[key] = (now, reply)
    return reply
