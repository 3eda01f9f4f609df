"""Purpose of use: a staff read of a patient under a running break-glass says so.

A clinician who broke the glass for a patient reads that patient's data with the
break-glass as the purpose of use of every such read's AuditEvent (architecture,
"Security model"). The reads learn it in the statement that reads the data
(`break_glass_columns`, see `store.reads`); `break_glass_reason` asks on its own for
what was read elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Text, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.security.access import break_glass
from carecoord_shared.security.principal import Principal

__all__ = [
    "PURPOSE_USER",
    "break_glass_columns",
    "break_glass_purpose",
    "break_glass_reason",
]


PURPOSE_USER = bindparam("purpose_user", type_=Text)
"""The staff user whose running break-glass a read reports as its purpose of use."""


def _newest_running(patient_nhs: ColumnElement[Any], pick: str) -> ColumnElement[Any]:
    b = break_glass.alias(f"purpose_{pick}")
    return (
        select(b.c[pick])
        .where(
            b.c.user_id == PURPOSE_USER,
            b.c.patient_nhs == patient_nhs,
            b.c.expires_at > func.now(),
        )
        .order_by(b.c.recorded_at.desc())
        .limit(1)
        .scalar_subquery()
        .label(f"purpose_{pick}")
    )


@lru_cache(maxsize=64)
def break_glass_columns(patient_nhs: ColumnElement[Any]) -> tuple[ColumnElement[Any], ...]:
    """Per row: the reason and time of the newest running break-glass of `PURPOSE_USER`
    for the row's patient (NULL when none), so that a read learns its purpose of use in
    the statement that reads it. Built once per column (building costs more than
    running them); in a select list with a sort and a limit PostgreSQL evaluates such
    subqueries after the sort, for the rows kept, once they cost anything."""
    return (_newest_running(patient_nhs, "reason"), _newest_running(patient_nhs, "recorded_at"))


def break_glass_purpose(reason: str | None) -> str | None:
    """The purpose of use an audit row records for a read under break-glass `reason`."""
    return None if reason is None else f"break-glass: {reason}"


_NEWEST_REASON = (
    select(break_glass.c.reason)
    .where(
        break_glass.c.user_id == bindparam("user_id", type_=Text),
        break_glass.c.patient_nhs == any_(bindparam("patients", type_=ARRAY(Text))),
        break_glass.c.expires_at > func.now(),
    )
    .order_by(break_glass.c.recorded_at.desc())
    .limit(1)
)
"""Built once: building a statement costs more than running it (see `store.reads`)."""


async def break_glass_reason(
    conn: AsyncConnection, principal: Principal, patients: Sequence[str]
) -> str | None:
    """The purpose of use when `principal` reaches any of `patients` under a running
    break-glass (None otherwise)."""
    reason = await conn.scalar(
        _NEWEST_REASON, {"user_id": principal.subject, "patients": list(patients)}
    )
    return break_glass_purpose(reason)
