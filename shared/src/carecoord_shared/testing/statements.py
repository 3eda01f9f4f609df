"""Counting the SQL statements (round trips) a piece of work costs, for tests and benches.

Throughput on a shared machine is noisy; the statements a create, a submission or a
consumed event sends to PostgreSQL are not. `counting(engine)` records every
statement the engine's connections execute (an executemany counts once: asyncpg
sends it as one pipelined batch), and the transactions begun, while the block runs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["Statements", "counting"]


@dataclass
class Statements:
    """What a block sent to PostgreSQL, and the process CPU time it took."""

    statements: list[str] = field(default_factory=list)
    transactions: int = 0
    cpu_s: float = 0.0

    @property
    def count(self) -> int:
        return len(self.statements)

    def round_trips(self) -> int:
        """Statements plus each transaction's BEGIN and COMMIT."""
        return self.count + 2 * self.transactions

    def of(self, fragment: str) -> int:
        """How many statements mention `fragment` (a table, a verb)."""
        return sum(fragment.lower() in s.lower() for s in self.statements)


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[Statements]:
    """Count what `engine` executes inside the block."""
    seen = Statements()
    sync = engine.sync_engine

    def on_execute(*args: Any) -> None:
        seen.statements.append(str(args[2]))

    def on_begin(_conn: Any) -> None:
        seen.transactions += 1

    event.listen(sync, "before_cursor_execute", on_execute)
    event.listen(sync, "begin", on_begin)
    started = time.process_time()
    try:
        yield seen
    finally:
        seen.cpu_s = time.process_time() - started
        event.remove(sync, "before_cursor_execute", on_execute)
        event.remove(sync, "begin", on_begin)
