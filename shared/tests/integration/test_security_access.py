"""The relationship check on real PostgreSQL: searches are filtered in SQL by grant and role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.security.access import (
    access_grant,
    break_glass,
    can_access,
    end_grant,
    grant,
    patient_access_predicate,
)
from carecoord_shared.security.audit import audit_event
from carecoord_shared.security.break_glass import record_break_glass
from carecoord_shared.security.principal import Principal, Role, kind_of
from carecoord_shared.security.scopes import parse_scopes
from carecoord_shared.store.tables import resource

P1, P2, P3 = "9000000009", "9000000017", "9000000025"


@pytest.fixture
async def engine(engine: AsyncEngine) -> AsyncEngine:
    async with engine.begin() as conn:
        rows: list[tuple[str, str, str | None]] = [
            ("Patient", "p1", P1),
            ("Patient", "p2", P2),
            ("Patient", "p3", P3),
            ("Organization", "practice-a", None),
        ]
        await conn.execute(
            insert(resource),
            [
                {"resource_type": t, "id": i, "version_id": 1, "last_updated": datetime.now(UTC),
                 "deleted": False, "content": b"{}", "patient_nhs": nhs}
                for t, i, nhs in rows
            ],
        )  # fmt: skip
        await grant(conn, P1, "organisation", "A11111", "registered-practice")
        await grant(conn, P2, "organisation", "B22222", "registered-practice")
    return engine


def _who(
    role: Role, subject: str = "u-1", org: str | None = "A11111", nhs: str | None = None
) -> Principal:
    scopes = {"patient": "patient/*.rs", "system": "system/*.cruds"}.get(role, "user/*.cruds")
    agreement = frozenset({"*"}) if role == "system" else frozenset()
    return Principal(
        subject, kind_of(role), role, org, nhs, parse_scopes(scopes), agreement=agreement
    )


async def _visible(conn: AsyncConnection, principal: Principal) -> set[str]:
    query = select(resource.c.id).where(patient_access_predicate(principal, resource.c.patient_nhs))
    return set((await conn.scalars(query)).all())


async def test_gp_sees_only_patients_granted_to_their_practice(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert await _visible(conn, _who("gp", org="A11111")) == {"p1", "practice-a"}
        assert await _visible(conn, _who("gp", org="B22222")) == {"p2", "practice-a"}
        assert await _visible(conn, _who("gp", org="C33333")) == {"practice-a"}
        assert await can_access(conn, _who("gp", org="A11111"), P1)
        assert not await can_access(conn, _who("gp", org="A11111"), P2)


async def test_user_grant_follows_the_person_not_the_organisation(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await grant(conn, P3, "user", "coordinator-7", "care-team")
        coordinator = _who("care-coordinator", subject="coordinator-7", org="C33333")
        colleague = _who("care-coordinator", subject="coordinator-8", org="C33333")
        assert await _visible(conn, coordinator) == {"p3", "practice-a"}
        assert await _visible(conn, colleague) == {"practice-a"}


async def test_ended_and_future_grants_give_no_access(engine: AsyncEngine) -> None:
    gp = _who("gp", org="A11111")
    async with engine.begin() as conn:
        assert await end_grant(conn, P1, "organisation", "A11111", "registered-practice")
        assert not await end_grant(conn, P1, "organisation", "A11111", "registered-practice")
        assert await _visible(conn, gp) == {"practice-a"}

        tomorrow = datetime.now(UTC) + timedelta(days=1)
        await grant(conn, P3, "organisation", "A11111", "mdt", valid_from=tomorrow)
        assert not await can_access(conn, gp, P3)


async def test_granting_twice_is_idempotent_and_regranting_reopens(engine: AsyncEngine) -> None:
    key = (P1, "organisation", "A11111", "registered-practice")
    async with engine.begin() as conn:
        start = await conn.scalar(select(access_grant.c.valid_from))
        await grant(conn, *key)  # type: ignore[arg-type]
        rows = (
            await conn.execute(select(access_grant).where(access_grant.c.patient_nhs == P1))
        ).all()
        assert len(rows) == 1
        assert rows[0].valid_from == start

        await end_grant(conn, *key)  # type: ignore[arg-type]
        await grant(conn, *key)  # type: ignore[arg-type]
        assert await can_access(conn, _who("gp", org="A11111"), P1)


async def test_patient_sees_only_themself(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        me = _who("patient", subject="nhs-login-1", org=None, nhs=P2)
        assert await _visible(conn, me) == {"p2", "practice-a"}
        assert not await can_access(conn, me, P1)


async def test_system_client_sees_what_its_agreement_covers(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert await _visible(conn, _who("system", org=None)) == {"p1", "p2", "p3", "practice-a"}
        scopes = parse_scopes("system/*.rs")
        covering_a = Principal(
            "c-1", "system", "system", None, None, scopes, agreement=frozenset({"A11111"})
        )
        assert await _visible(conn, covering_a) == {"p1", "practice-a"}
        unbound = Principal("c-2", "system", "system", None, None, scopes)
        assert await _visible(conn, unbound) == {"practice-a"}
        scopeless = Principal(
            "c-9", "system", "system", None, None, frozenset(), agreement=frozenset({"*"})
        )
        assert await _visible(conn, scopeless) == {"practice-a"}


async def test_admin_never_sees_patient_data(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await grant(conn, P3, "user", "admin-1", "care-team")
        admin = _who("admin", subject="admin-1", org="A11111")
        assert await _visible(conn, admin) == {"practice-a"}
        with pytest.raises(FhirError) as refused:
            await record_break_glass(conn, admin, P3, "just curious about this patient")
        assert refused.value.status == 403


async def test_break_glass_needs_a_reason(engine: AsyncEngine) -> None:
    paramedic = _who("paramedic", subject="para-1", org="RYC00")
    async with engine.begin() as conn:
        for reason in ("", "   "):
            with pytest.raises(FhirError) as refused:
                await record_break_glass(conn, paramedic, P3, reason)
            assert refused.value.status == 400
        assert not await can_access(conn, paramedic, P3)
        # The database refuses a reasonless override too, whoever writes it.
        with pytest.raises(IntegrityError, match="ck_break_glass_reason"):
            async with conn.begin_nested():
                await conn.execute(
                    insert(break_glass).values(
                        id=func.gen_random_uuid(), user_id="para-1", patient_nhs=P3, reason=" ",
                        expires_at=func.now() + timedelta(minutes=5),
                    )
                )  # fmt: skip


async def test_break_glass_opens_one_patient_for_one_user_until_expiry(
    engine: AsyncEngine,
) -> None:
    paramedic = _who("paramedic", subject="para-1", org="RYC00")
    colleague = _who("paramedic", subject="para-2", org="RYC00")
    async with engine.begin() as conn:
        glass_id = await record_break_glass(
            conn, paramedic, P3, "unconscious, no GP record", 15, "patient-unable-to-consent"
        )

        assert await _visible(conn, paramedic) == {"p3", "practice-a"}
        assert await _visible(conn, colleague) == {"practice-a"}
        purpose = await conn.scalar(
            select(audit_event.c.purpose).where(
                audit_event.c.patient_nhs == P3, audit_event.c.action == "E"
            )
        )
        assert purpose == "break-glass: patient-unable-to-consent: unconscious, no GP record"

        # Move the override into the past, as if its 15 minutes had run out.
        await conn.execute(
            update(break_glass)
            .where(break_glass.c.id == glass_id)
            .values(
                recorded_at=text("now() - interval '20 minutes'"),
                expires_at=text("now() - interval '5 minutes'"),
            )
        )
        assert await _visible(conn, paramedic) == {"practice-a"}
        assert not await can_access(conn, paramedic, P3)


async def test_break_glass_duration_is_bounded(engine: AsyncEngine) -> None:
    clinician = _who("triage-clinician", subject="t-1")
    async with engine.begin() as conn:
        for minutes in (0, -5, 481):
            with pytest.raises(FhirError) as refused:
                await record_break_glass(conn, clinician, P3, "urgent advice call now", minutes)
            assert refused.value.status == 400


@pytest.mark.parametrize(
    ("reason", "code", "nhs", "status"),
    [
        (".", "emergency-treatment", P3, 400),
        ("help", "emergency-treatment", P3, 400),
        ("needs it\x07 now please", "emergency-treatment", P3, 400),
        ("unconscious, no GP record", "because", P3, 400),
        ("unconscious, no GP record", "emergency-treatment", "9990000999", 422),
    ],
    ids=["dot", "one-word", "control-character", "unknown-code", "patient-not-known"],
)
async def test_finding_11_break_glass_needs_evidence(
    engine: AsyncEngine, reason: str, code: str, nhs: str, status: int
) -> None:
    clinician = _who("triage-clinician", subject="t-1")
    async with engine.begin() as conn:
        with pytest.raises(FhirError) as refused:
            await record_break_glass(conn, clinician, nhs, reason, 30, code)
        assert refused.value.status == status
        assert not await can_access(conn, clinician, nhs)


async def test_finding_11_break_glass_is_rate_limited(engine: AsyncEngine) -> None:
    clinician = _who("triage-clinician", subject="t-2")
    async with engine.begin() as conn:
        for _ in range(5):
            await record_break_glass(conn, clinician, P3, "urgent advice call now", 10)
        with pytest.raises(FhirError) as refused:
            await record_break_glass(conn, clinician, P3, "urgent advice call now", 10)
        assert refused.value.status == 429
        assert refused.value.headers["Retry-After"] == "3600"
