"""Group commit of the AuditEvent rows of reads (issue 16).

A read answers only once its AuditEvent row is durable. Reads run in autocommit, so
each row used to be a statement and a commit (a WAL flush) of its own. Here the rows
of concurrent reads are written together: the first read to finish writes its rows
at once, on its own connection; reads that finish meanwhile queue theirs, and when
that write is done the first of them writes everything queued by then, in one
statement (one commit). Nobody waits for a timer, a read alone is written at once,
and every read still answers only after the statement holding its row has committed.
No connection is borrowed for it: the one writing uses the connection it holds, so a
full pool can never wait on itself. A write that fails fails every read in it.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.security.audit import audit_event

__all__ = ["AuditGroup", "audit_group", "is_autocommit"]

Row = dict[str, Any]
_INSERT = insert(audit_event).on_conflict_do_nothing(index_elements=[audit_event.c.id])
"""A row written twice (a write cancelled after it committed, then queued again) stays one."""


@dataclass(slots=True)
class _Queued:
    rows: list[Row]
    turn: asyncio.Future[bool] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    """True: write the queue now; False: written by someone else."""


class AuditGroup:
    """The audit rows of the reads on one engine, written in groups."""

    def __init__(self) -> None:
        self._queue: list[_Queued] = []
        self._writing = False
        self.statements = 0
        """Statements written so far (each holding one group)."""

    async def write(self, conn: AsyncConnection, rows: list[Row]) -> None:
        """Return once `rows` are committed (raise if the statement holding them failed)."""
        if not rows:
            return
        mine = _Queued(rows)
        self._queue.append(mine)
        if self._writing and not await self._wait_for_turn(mine):
            return
        self._writing = True
        group, self._queue = self._queue, []
        try:
            await conn.execute(_INSERT, [row for queued in group for row in queued.rows])
            self.statements += 1
        except asyncio.CancelledError:
            if not mine.turn.done():
                mine.turn.set_result(False)  # never handed the turn it no longer awaits
            self._queue[:0] = group  # the next one to write takes them again
            raise
        except Exception as error:
            _settle(group, mine, error)
            raise
        else:
            _settle(group, mine, None)
        finally:
            self._hand_over()

    async def _wait_for_turn(self, mine: _Queued) -> bool:
        """True: write the queue now. A read cancelled just as the turn was handed to it
        passes the turn on (its rows stay queued for whoever writes next): a turn taken
        by nobody would leave every later read waiting for ever."""
        try:
            return await mine.turn
        except asyncio.CancelledError:
            turn = mine.turn
            if turn.done() and not turn.cancelled() and turn.exception() is None and turn.result():
                self._hand_over()
            raise

    def _hand_over(self) -> None:
        """The first of those queued meanwhile writes next; nobody queued: idle."""
        for queued in self._queue:
            if not queued.turn.done():
                queued.turn.set_result(True)
                return
        self._writing = False


def _settle(group: list[_Queued], mine: _Queued, error: Exception | None) -> None:
    for queued in group:
        if queued is mine or queued.turn.done():
            continue
        if error is None:
            queued.turn.set_result(False)
        else:
            queued.turn.set_exception(error)


_GROUPS: weakref.WeakKeyDictionary[Engine, tuple[asyncio.AbstractEventLoop, AuditGroup]] = (
    weakref.WeakKeyDictionary()
)


def audit_group(conn: AsyncConnection) -> AuditGroup:
    """The group of `conn`'s engine in the running event loop."""
    engine, loop = conn.sync_engine, asyncio.get_running_loop()
    found = _GROUPS.get(engine)
    if found is None or found[0] is not loop:
        found = _GROUPS[engine] = (loop, AuditGroup())
    return found[1]


def is_autocommit(conn: AsyncConnection) -> bool:
    """Each statement on `conn` commits by itself (a unit of work of reads only)."""
    options = conn.sync_connection.get_execution_options() if conn.sync_connection else {}
    return options.get("isolation_level") == "AUTOCOMMIT"
