"""The UBRN register: every UBRN this service hands out is unique.

A UBRN is reserved before the request that carries it is stored: for the request's id
chosen beforehand (one statement: a submission), or with no request yet and bound to
it once it is stored. It is released when the request turns out to exist already (a
conditional create that found it).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from carecoord_shared.ports import Repository
from referrals.domain.ubrn import UbrnKind, new_ubrn
from referrals.store.tables import ubrn

__all__ = ["Ubrns"]


class Ubrns(Repository):
    async def reserve(self, kind: UbrnKind, service_request: str = "") -> str:
        """A UBRN no one else has (the primary key decides; a clash draws again), held
        for `service_request` (the reference the request will have; "": none yet)."""
        while True:
            value = new_ubrn(kind)
            taken = await self._conn.scalar(
                insert(ubrn)
                .values(value=value, service_request=service_request)
                .on_conflict_do_nothing()
                .returning(ubrn.c.value)
            )
            if taken is not None:
                return value

    async def bind(self, value: str, service_request: str) -> None:
        await self._conn.execute(
            sa.update(ubrn).where(ubrn.c.value == value).values(service_request=service_request)
        )

    async def release(self, value: str, service_request: str = "") -> None:
        """Give back a UBRN reserved for `service_request`, a request never stored."""
        await self._conn.execute(
            sa.delete(ubrn).where(ubrn.c.value == value, ubrn.c.service_request == service_request)
        )

    async def holder(self, value: str) -> str | None:
        """The request a UBRN is bound to ("" while only reserved; None if unknown)."""
        found: str | None = await self._conn.scalar(
            sa.select(ubrn.c.service_request).where(ubrn.c.value == value)
        )
        return found
