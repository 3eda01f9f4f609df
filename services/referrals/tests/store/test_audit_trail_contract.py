"""The contract of `AuditTrail`: a record with its purpose (the fake keeps it in a list)."""

from __future__ import annotations

import sqlalchemy as sa

from carecoord_shared.security.audit import audit_event
from referrals.store.audit_trail import AuditTrail
from services.referrals.tests.fakes import FakeAuditTrail
from services.referrals.tests.store.conftest import Make
from services.referrals.tests.world import PARAMEDIC

NHS = "9990000018"


async def test_a_record_names_who_what_whom_and_why(make: Make) -> None:
    trail: AuditTrail = make(AuditTrail)

    await trail.record(PARAMEDIC, "R", f"Patient/{NHS}/$paramedic-summary", NHS, "advice-call")

    if isinstance(trail, FakeAuditTrail):
        kept = [(r.subject, r.action, r.entity, r.patient, r.purpose) for r in trail.rows]
    else:
        c = audit_event.c
        query = sa.select(c.subject, c.action, c.entity, c.patient_nhs, c.purpose)
        kept = [tuple(row) for row in await trail._conn.execute(query)]
    assert kept == [("paramedic-1", "R", f"Patient/{NHS}/$paramedic-summary", NHS, "advice-call")]
