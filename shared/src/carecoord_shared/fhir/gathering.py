"""Work a unit of work gathers and does once, just before it commits.

A consumer applies a run of events in one transaction, and several of them often
change the same thing (three activities added to one patient's plan): a handler
`gather`s what it wants done under a key, and at the end of the unit of work the
gathering's `flush` runs once per key with everything gathered, in the order the keys
were first seen: one new plan version with three activities instead of three. A REST
request is a unit of work of one write, so the same code does the same there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from carecoord_shared.fhir.unit_of_work import FhirTransaction

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

__all__ = ["Gathered", "Gathering"]


@dataclass(frozen=True, eq=False)
class Gathering(Generic[K, V]):
    """What to do once per key with the values gathered under it."""

    name: str
    flush: Callable[[FhirTransaction, K, list[V]], Awaitable[None]]


class Gathered:
    """The values gathered in one unit of work, by gathering and key, in first-seen order."""

    def __init__(self) -> None:
        self._pending: dict[tuple[Gathering[Any, Any], Hashable], list[Any]] = {}

    def add(self, gathering: Gathering[K, V], key: K, value: V) -> None:
        self._pending.setdefault((gathering, key), []).append(value)

    async def flush(self, tx: FhirTransaction) -> None:
        """Run every gathering's flush; what a flush gathers in turn is flushed too."""
        while self._pending:
            (gathering, key), values = next(iter(self._pending.items()))
            del self._pending[(gathering, key)]
            await gathering.flush(tx, key, values)
