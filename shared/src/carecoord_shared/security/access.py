"""The relationship check: may this caller see this patient's data at all?

The second authorisation check after the scope check (architecture, "Security model"):
staff reach a patient only through a legitimate relationship. Services record those
relationships as `access_grant` rows as facts arrive (registered practice,
care team, MDT listing, an advice-line call) and `break_glass` rows when a clinician
overrides with a reason. The check is a SQL condition, `patient_access_predicate`, ANDed into every
query over a table with a `patient_nhs` column, so searches are filtered in the
database and never after (no counts or pages computed over rows the caller cannot see).
Rules: rows with no `patient_nhs` are not patient data and pass; a patient sees only
rows with their own NHS number; a system client holding a system scope passes, because
system clients act under a data-sharing agreement that fixes their purpose, and each of
their accesses is audited like anyone else's; staff pass only through a currently valid
grant to their organisation or their user id, or an unexpired break-glass of their own
for that patient. The `admin` role manages the directory and never sees patient data.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal, get_args

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ColumnElement,
    DateTime,
    Identity,
    Index,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    and_,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import True_
from sqlalchemy.sql.expression import Executable

from carecoord_shared.db import kernel_metadata
from carecoord_shared.security.principal import Principal
from carecoord_shared.store.columns import columns

__all__ = [
    "GrantReason",
    "PartyKind",
    "access_grant",
    "break_glass",
    "can_access",
    "end_grant",
    "grant",
    "patient_access_predicate",
]

PartyKind = Literal["organisation", "user"]
GrantReason = str
"""Why a party may see a patient: each service registers its own reasons (its vocabulary)."""
_NHS_NUMBER = re.compile(r"[0-9]{10}")

access_grant = Table(
    "access_grant",
    kernel_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    *columns(Text, "patient_nhs", "party_kind", "party", "reason"),
    Column("valid_from", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("valid_to", DateTime(timezone=True), nullable=True),
    UniqueConstraint("patient_nhs", "party_kind", "party", "reason"),
    CheckConstraint("party_kind in ('organisation', 'user')", name="ck_access_grant_party_kind"),
    CheckConstraint("length(reason) > 0", name="ck_access_grant_reason"),
    # "Which patients may this party see?" drives filtered searches from the party side.
    Index("ix_access_grant_party", "party_kind", "party", "patient_nhs"),
)

break_glass = Table(
    "break_glass",
    kernel_metadata,
    Column("id", Uuid, primary_key=True),
    *columns(Text, "user_id", "patient_nhs", "reason"),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("length(btrim(reason)) > 0", name="ck_break_glass_reason"),
    CheckConstraint("expires_at > recorded_at", name="ck_break_glass_expiry"),
    Index("ix_break_glass_user_patient", "user_id", "patient_nhs", "expires_at"),
)


_ONE_PATIENT = bindparam("access_patient", type_=Text)
"""The patient of a single-resource check, bound per call so the predicate is reused."""


def patient_access_predicate(
    principal: Principal, patient_nhs_column: ColumnElement[Any]
) -> ColumnElement[bool]:
    """The condition under which `principal` may see a row (see the module docstring).

    Built once per caller and column: building the expression costs more than running
    the query it guards, and it is on the path of every read and search."""
    return _predicate(principal, patient_nhs_column)


@lru_cache(maxsize=4096)
def _predicate(principal: Principal, patient_nhs_column: ColumnElement[Any]) -> ColumnElement[bool]:
    not_patient_data = patient_nhs_column.is_(None)
    if principal.kind == "patient":
        if principal.nhs_number is None:
            return not_patient_data
        return or_(not_patient_data, patient_nhs_column == principal.nhs_number)
    if principal.kind == "system":
        if not principal.scopes or not principal.agreement:
            return not_patient_data
        if "*" in principal.agreement:
            return true()
        return or_(not_patient_data, _agreed(principal.agreement, patient_nhs_column))
    if principal.role in ("admin", "information-governance"):
        return not_patient_data  # they review the audit trail, never the records
    return or_(
        not_patient_data,
        _granted(principal, patient_nhs_column),
        _broken_glass(principal, patient_nhs_column),
    )


def _granted(principal: Principal, patient_nhs: ColumnElement[Any]) -> ColumnElement[bool]:
    g = access_grant.alias("access_grant_check")
    parties = [and_(g.c.party_kind == "user", g.c.party == principal.subject)]
    if principal.organisation is not None:
        parties.append(and_(g.c.party_kind == "organisation", g.c.party == principal.organisation))
    return exists().where(
        g.c.patient_nhs == patient_nhs,
        or_(*parties),
        g.c.valid_from <= func.now(),
        or_(g.c.valid_to.is_(None), g.c.valid_to > func.now()),
    )


def _agreed(organisations: frozenset[str], patient_nhs: ColumnElement[Any]) -> ColumnElement[bool]:
    """A partner system sees the patients of the organisations its agreement covers: those
    with a running grant (registration, care team) to one of them."""
    g = access_grant.alias("access_grant_agreement")
    return exists().where(
        g.c.patient_nhs == patient_nhs,
        g.c.party_kind == "organisation",
        g.c.party.in_(sorted(organisations)),
        g.c.valid_from <= func.now(),
        or_(g.c.valid_to.is_(None), g.c.valid_to > func.now()),
    )


def _broken_glass(principal: Principal, patient_nhs: ColumnElement[Any]) -> ColumnElement[bool]:
    b = break_glass.alias("break_glass_check")
    return exists().where(
        b.c.user_id == principal.subject,
        b.c.patient_nhs == patient_nhs,
        b.c.expires_at > func.now(),
    )


async def can_access(conn: AsyncConnection, principal: Principal, patient_nhs: str | None) -> bool:
    """The same check for one resource already in hand (read, update, delete)."""
    predicate = patient_access_predicate(principal, _ONE_PATIENT)
    if patient_nhs is None or isinstance(predicate, True_):  # a whole-system agreement
        return True
    allowed = await conn.scalar(_allowed_query(predicate), {"access_patient": patient_nhs})
    return bool(allowed)


@lru_cache(maxsize=4096)
def _allowed_query(predicate: ColumnElement[bool]) -> Executable:
    """`can_access`'s statement, one object per caller's predicate (SQLAlchemy memoises
    its cache key on the object, which otherwise costs more than the query)."""
    return select(predicate)


def _check_grant(patient_nhs: str, party_kind: str, reason: str) -> None:
    # Callers are service code, not clients: a bad value is a programming error.
    if not _NHS_NUMBER.fullmatch(patient_nhs):
        raise ValueError("patient_nhs must be a 10-digit NHS number")
    if party_kind not in get_args(PartyKind) or not reason:
        raise ValueError(f"unknown party kind or grant reason: {party_kind!r}, {reason!r}")


async def grant(
    conn: AsyncConnection,
    patient_nhs: str,
    party_kind: PartyKind,
    party: str,
    reason: GrantReason,
    *,
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
) -> None:
    """Make sure `party` may see the patient for `reason` (idempotent upsert).

    Granting again keeps a running grant's start (so redelivered events change nothing)
    and sets its end to `valid_to`; an ended grant is reopened from `valid_from`."""
    _check_grant(patient_nhs, party_kind, reason)
    given = (patient_nhs, party_kind, party, reason, valid_from, valid_to)
    values = {f"given_{name}": value for name, value in zip(_GRANTED, given, strict=True)}
    await conn.execute(_grant_statement(valid_from is None), values)


_GRANTED = ("patient_nhs", "party_kind", "party", "reason", "valid_from", "valid_to")


@lru_cache(maxsize=2)
def _grant_statement(from_now: bool) -> Executable:
    """`grant`'s upsert, built once (`from_now`: the grant starts at the transaction's now())."""
    current = access_grant.c
    values: dict[str, Any] = {n: bindparam(f"given_{n}", type_=current[n].type) for n in _GRANTED}
    if from_now:
        values["valid_from"] = func.now()
    statement = insert(access_grant).values(values)
    running = or_(current.valid_to.is_(None), current.valid_to > func.now())
    return statement.on_conflict_do_update(
        index_elements=[current.patient_nhs, current.party_kind, current.party, current.reason],
        set_={
            "valid_from": case(
                (running, func.least(current.valid_from, statement.excluded.valid_from)),
                else_=statement.excluded.valid_from,
            ),
            "valid_to": statement.excluded.valid_to,
        },
    )


async def end_grant(
    conn: AsyncConnection,
    patient_nhs: str,
    party_kind: PartyKind,
    party: str,
    reason: GrantReason,
    *,
    at: datetime | None = None,
) -> bool:
    """End a running grant at `at` (default now); False if there was none running."""
    _check_grant(patient_nhs, party_kind, reason)
    end: Any = at if at is not None else func.now()
    result = await conn.execute(
        update(access_grant)
        .where(
            access_grant.c.patient_nhs == patient_nhs,
            access_grant.c.party_kind == party_kind,
            access_grant.c.party == party,
            access_grant.c.reason == reason,
            or_(access_grant.c.valid_to.is_(None), access_grant.c.valid_to > end),
        )
        .values(valid_to=end)
    )
    return result.rowcount > 0
