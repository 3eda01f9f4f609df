"""`Patients`: the fake and PostgreSQL keep what other services said about a patient alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from mdt.domain.cases import KnownPatient
from services.mdt.tests.store.conftest import Store

A, B = "9990000018", "9990000026"
T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


async def test_each_event_sets_only_what_it_knows(store: Store) -> None:
    assert await store.patients.get(A) is None
    await store.patients.update(A, practice="A81001")
    await store.patients.update(A, cohorts=("frailty",), risk_score=72.5)
    await store.patients.update(A, review_due_on=date(2030, 6, 1))
    await store.patients.update(B, practice=None)
    expected = KnownPatient(A, "A81001", 72.5, ("frailty",), date(2030, 6, 1))
    assert await store.patients.get(A) == expected
    assert await store.patients.many([A, B, "9990000034"]) == {A: expected, B: KnownPatient(B)}
    with pytest.raises(ValueError, match="no field"):
        await store.patients.update(A, colour="red")


async def test_recent_activity_once_each_oldest_first(store: Store) -> None:
    await store.patients.record_activity("ServiceRequest/2", A, "referral", T0)
    await store.patients.record_activity("ServiceRequest/1", A, "advice-and-guidance", T0)
    await store.patients.record_activity("ServiceRequest/1", A, "referral", T0)  # seen again
    await store.patients.record_activity("Communication/1", A, "advice-call", T0 - timedelta(1))
    await store.patients.record_activity("ServiceRequest/9", B, "referral", T0)
    await store.patients.record_activity("ServiceRequest/0", A, "referral", T0 - timedelta(99))
    since = T0 - timedelta(days=90)
    assert await store.patients.recent_activity(A, since) == [
        "Communication/1",
        "ServiceRequest/1",
        "ServiceRequest/2",
    ]
    advice = await store.patients.recent_activity(A, since, "advice-and-guidance")
    assert advice == ["ServiceRequest/1"]
    assert await store.patients.activity_of([A, B], T0) == {
        A: ["ServiceRequest/1", "ServiceRequest/2"],
        B: ["ServiceRequest/9"],
    }
