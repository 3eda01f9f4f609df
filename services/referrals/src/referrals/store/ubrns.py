"""The UBRN register: every UBRN this service hands out is unique.

A UBRN is reserved before the request that carries it is stored: for the request's id
chosen beforehand (a submission: one statement, which also opens the request's triage
case when it is routed), or with no request yet and bound to it once it is stored. It
is released (with the case opened with it) when the request turns out to exist
already (a conditional create that found it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.sql.expression import Executable

from carecoord_shared.ports import Repository
from referrals.domain.records import TriageCase
from referrals.domain.ubrn import UbrnKind, new_ubrn
from referrals.store.rows import values_of
from referrals.store.tables import triage_case, ubrn

__all__ = ["CaseOf", "Ubrns"]

CaseOf = Callable[[str], TriageCase]
"""The triage case a request opens, made of the UBRN it is given."""


class Ubrns(Repository):
    async def reserve(
        self, kind: UbrnKind, service_request: str = "", opening: CaseOf | None = None
    ) -> str:
        """A UBRN no one else has (the primary key decides; a clash draws again), held
        for `service_request` (the reference the request will have; "": none yet); with
        `opening`, the case it makes of the UBRN is opened in the same statement."""
        while True:
            value = new_ubrn(kind)
            given = {"held_value": value, "held_for": service_request}
            if opening is not None:
                case = values_of(opening(value))
                given |= {f"case_{name}": column for name, column in case.items()}
            statement = _HELD if opening is None else _OPENED
            if await self._conn.scalar(statement, given) is not None:
                return value

    async def bind(self, value: str, service_request: str) -> None:
        await self._conn.execute(
            sa.update(ubrn).where(ubrn.c.value == value).values(service_request=service_request)
        )

    async def release(self, value: str, service_request: str = "") -> None:
        """Give back a UBRN reserved for `service_request`, a request never stored, and
        the case opened with it."""
        await self._conn.execute(
            sa.delete(triage_case).where(
                triage_case.c.ubrn == value, triage_case.c.service_request == service_request
            )
        )
        await self._conn.execute(
            sa.delete(ubrn).where(ubrn.c.value == value, ubrn.c.service_request == service_request)
        )

    async def holder(self, value: str) -> str | None:
        """The request a UBRN is bound to ("" while only reserved; None if unknown)."""
        found: str | None = await self._conn.scalar(
            sa.select(ubrn.c.service_request).where(ubrn.c.value == value)
        )
        return found


_HELD = (
    insert(ubrn)
    .values(value=sa.bindparam("held_value"), service_request=sa.bindparam("held_for"))
    .on_conflict_do_nothing()
    .returning(ubrn.c.value)
)
"""A UBRN held for a request (parameters `held_value`, `held_for`), unless taken."""


def _opened() -> Executable:
    """`_HELD`, and the case (a `case_<field>` parameter per TriageCase field) inserted
    only if it inserted its UBRN (no clash): one statement, built once."""
    chosen = _HELD.cte("held")
    columns = [triage_case.c[f.name] for f in fields(TriageCase)]
    given = (sa.bindparam(f"case_{c.name}", type_=c.type) for c in columns)
    row = sa.select(*given).select_from(chosen)
    opened = sa.insert(triage_case).from_select(columns, row).add_cte(chosen)
    return opened.returning(triage_case.c.ubrn)


_OPENED = _opened()
