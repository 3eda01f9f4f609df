"""Live notices from the portal's worker to its web processes, through PostgreSQL.

The worker consumes the other services' topics; the pages are served by other
processes (several, with replicas). `NOTIFY` on the portal's own database joins them:
the worker announces, inside the consumer's unit of work, which resources changed
(references only, never patient data), PostgreSQL delivers the notice to every
listening web process when that unit of work commits, and each process pushes it to
the open pages watching those resources (`web.live`). A notice lost while no page was
listening is harmless: a page loaded afterwards reads the current state.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_shared.ports import Repository

__all__ = ["CHANNEL", "LiveNotices", "listening"]

CHANNEL: Final = "portal_live"
_MAX_REFERENCES = 8  # a NOTIFY payload stays far below PostgreSQL's 8000 bytes


_NOTIFY = sa.text(
    "SELECT pg_notify(:channel, payload) FROM unnest(CAST(:payloads AS text[])) AS payload"
)


class LiveNotices(Repository):
    async def announce(self, about: Sequence[str]) -> None:
        """Tell the web processes, when this unit of work commits, that `about` changed:
        each reference once, in notices of a few references, all in one statement."""
        unique = list(dict.fromkeys(about))
        payloads = [
            json.dumps({"about": unique[i : i + _MAX_REFERENCES]})
            for i in range(0, len(unique), _MAX_REFERENCES)
        ]
        if payloads:
            await self._conn.execute(_NOTIFY, {"channel": CHANNEL, "payloads": payloads})


def _about(payload: str) -> list[str]:
    try:
        about = json.loads(payload).get("about", [])
    except (ValueError, AttributeError):
        return []
    return [str(a) for a in about if isinstance(a, str)] if isinstance(about, list) else []


@asynccontextmanager
async def listening(
    engine: AsyncEngine, on_notice: Callable[[list[str]], None]
) -> AsyncIterator[None]:
    """Call `on_notice` with the references of every notice, while inside."""

    def received(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
        on_notice(_about(payload))

    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        await raw.add_listener(CHANNEL, received)
        try:
            yield
        finally:
            await raw.remove_listener(CHANNEL, received)
