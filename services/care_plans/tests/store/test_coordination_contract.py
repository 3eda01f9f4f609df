"""`AssignmentRepository` and its fake agree: running assignments, who still holds one,
ending, history in order, lapsed periods, and the patient's CareTeam/EpisodeOfCare."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from care_plans.domain.coordination import Assignment, Coordination, Coordinator
from care_plans.store.coordination import AssignmentRepository
from services.care_plans.tests.store.conftest import Units

NHS = "9990000018"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _assignment(sds: str, cover: bool, end: datetime | None = None) -> Assignment:
    who = Coordinator(f"PractitionerRole/pr-{sds}", f"Nurse {sds}", sds, "01234 567890")
    return Assignment(who, "key-worker", NOW - timedelta(days=1), end, cover, "new")


async def test_the_assignment_repository_contract(units: Units) -> None:
    async with units() as tx:
        assignments = tx.repository(AssignmentRepository)
        named = await assignments.add(NHS, "p-1", _assignment("1", cover=False))
        cover = await assignments.add(NHS, "p-1", _assignment("2", True, NOW - timedelta(hours=1)))
        assert await assignments.coordination_of(NHS) is None
        await assignments.remember_coordination(NHS, Coordination("team-1", "episode-1"))
    async with units() as tx:
        assignments = tx.repository(AssignmentRepository)
        running = await assignments.running(NHS, cover=False)
        assert running is not None
        assert (running.id, running.coordinator.phone, running.running) == (
            named,
            "01234 567890",
            True,
        )
        assert await assignments.holds_running(NHS, "2")
        [lapsed] = await assignments.lapsed(NOW)
        assert (lapsed.id, lapsed.period_end) == (cover, NOW - timedelta(hours=1))
        await assignments.end(cover, NOW - timedelta(hours=1), "cover period ended")
    async with units() as tx:
        assignments = tx.repository(AssignmentRepository)
        assert await assignments.lapsed(NOW) == []
        assert not await assignments.holds_running(NHS, "2")
        assert await assignments.running(NHS, cover=True) is None
        history = await assignments.history(NHS)
        assert [r.id for r in history] == [named, cover]
        assert history[1].ended_reason == "cover period ended"
        assert await assignments.coordination_of(NHS) == Coordination("team-1", "episode-1")
