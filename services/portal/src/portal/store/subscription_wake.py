"""Waking the delivery loop: NOTIFY on `portal_subscription_work`, and listening to it.

The trigger of migration pt0302 notifies with the ids of the subscriptions that got new
notifications when the consumer's transaction commits; `$resume` and a new
subscription notify their own id the same way (`wake`). The worker's delivery loop
listens on a connection of its own (`Listener`), so a notification recorded is sent
within milliseconds instead of at the next poll; the poll stays as the safety net for
a notice lost across a reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from carecoord_shared.ports import Repository

__all__ = ["CHANNEL", "Listener", "SubscriptionWake"]

CHANNEL: Final = "portal_subscription_work"


class SubscriptionWake(Repository):
    async def wake(self, subscription_id: str) -> None:
        """Tell the delivery loop, when this unit of work commits, to look at it."""
        await self._conn.execute(
            sa.text("SELECT pg_notify(:channel, :id)"), {"channel": CHANNEL, "id": subscription_id}
        )


class Listener:
    """The ids notified since the last `take` (None in it: someone unnamed, look at all)."""

    def __init__(self) -> None:
        self.woken: set[str | None] = set()
        self.signal = asyncio.Event()
        self._conn: AsyncConnection | None = None
        self._raw: Any = None

    def _received(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self.woken.update(payload.split() or [None])
        self.signal.set()

    async def listen(self, engine: AsyncEngine) -> None:
        """Listen, on a connection of its own (again, if the last one was lost)."""
        if self._raw is not None and not self._raw.is_closed():
            return
        await self.close()
        conn = await engine.connect()
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        await raw.add_listener(CHANNEL, self._received)
        self._conn, self._raw = conn, raw
        self.woken.add(None)  # notices may have been missed meanwhile: look at all
        self.signal.set()

    async def take(self, timeout_s: float) -> set[str | None] | None:
        """Wait up to `timeout_s` for notices; the ids (None: timed out)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.signal.wait(), timeout_s)
        if not self.signal.is_set():
            return None
        self.signal.clear()
        woken, self.woken = self.woken, set()
        return woken

    async def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = self._raw = None
