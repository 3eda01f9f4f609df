"""The review clock: announcing plans whose review has fallen due.

Run periodically by the worker. Each due plan is announced once per due date
(`review_due_announced`), so the job can run as often as it likes and several
workers can run it at once (rows are claimed with SKIP LOCKED).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from care_plans.service.announce import REVIEW_DUE, announce
from care_plans.store import plans as store


async def announce_due_reviews(conn: AsyncConnection, topic: str) -> int:
    today = datetime.now(UTC).date()
    due = await store.due_unannounced(conn, today)
    for row in sorted(due, key=lambda r: r.patient_nhs):
        await announce(
            conn,
            topic,
            REVIEW_DUE,
            subject=f"CarePlan/{row.care_plan_id}",
            nhs_number=row.patient_nhs,
            data={"carePlan": f"CarePlan/{row.care_plan_id}", "dueOn": row.due_on.isoformat()},
        )
        await store.mark_announced(conn, row.care_plan_id, row.due_on)
    return len(due)
