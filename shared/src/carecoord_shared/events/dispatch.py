"""Handing a run of one partition's events to the consumer's handlers, in order.

A handler is either applied to one event at a time (`Handler`) or, declared with
`batch(...)`, given every event of a stretch of the run at once, to apply them
set-based (one multi-row statement instead of one per event). Either way it runs in
the inbox's transaction beside the run's inbox rows, so its effects commit exactly
once, and only events new to the group reach it. A batch handler gets each stretch
of consecutive new events that it handles (a duplicate or an event of an unknown type
in between does not break a stretch; an event for another handler does), in their
order, so one patient's events still take effect in order. If a run fails, the
consumer applies its events one by one (a batch handler then gets lists of one), so
a poison event is dead-lettered alone and its neighbours still apply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby

from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.events.consumer_support import Handler
from carecoord_shared.events.envelope import Event, event_context

__all__ = ["BatchHandler", "Handlers", "apply_run", "batch"]


@dataclass(frozen=True, slots=True, eq=False)
class BatchHandler:
    """Applies a stretch of a run's new events at once, in order, in the inbox's
    transaction. Events it announces take the correlation of the event they come from
    when written inside `event_context(event)`."""

    apply: Callable[[AsyncConnection, Sequence[Event]], Awaitable[None]]


def batch(apply: Callable[[AsyncConnection, Sequence[Event]], Awaitable[None]]) -> BatchHandler:
    """Declare `apply(conn, events)` as a handler given whole stretches of a run."""
    return BatchHandler(apply)


Handlers = Mapping[str, Handler | BatchHandler]
"""By event type (`*`: every type not named); a handler or a batch handler."""


def _outcomes(
    handlers: Handlers, events: Sequence[Event], new: set[str]
) -> list[tuple[str, Handler | BatchHandler | None]]:
    """Each event's outcome and handler (a second copy in the run is a redelivery)."""
    steps: list[tuple[str, Handler | BatchHandler | None]] = []
    for event in events:
        if event.id not in new:
            steps.append(("duplicates", None))
            continue
        new.discard(event.id)
        handler = handlers.get(event.type) or handlers.get("*")
        steps.append(("handled" if handler else "unknown_types", handler))
    return steps


def _stretch(step: tuple[Handler | BatchHandler, Event]) -> object:
    """A batch handler's consecutive events share a key; any other event has its own."""
    return step[0] if isinstance(step[0], BatchHandler) else object()


async def apply_run(
    conn: AsyncConnection, handlers: Handlers, events: Sequence[Event], new: set[str]
) -> list[str]:
    """Apply the new events of `events` (ids in `new`) in order; each event's outcome."""
    steps = _outcomes(handlers, events, new)
    handled = [
        (h, e) for (outcome, h), e in zip(steps, events, strict=True) if h and outcome == "handled"
    ]
    for key, group in groupby(handled, key=_stretch):
        stretch = list(group)
        if isinstance(key, BatchHandler):
            await key.apply(conn, [event for _, event in stretch])
            continue
        [(handler, event)] = stretch
        assert not isinstance(handler, BatchHandler)
        with event_context(event):
            await handler(conn, event)
    return [outcome for outcome, _ in steps]
