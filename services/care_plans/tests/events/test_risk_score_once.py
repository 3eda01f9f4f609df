"""A run of referral events recomputes each patient's risk score once (issue 16).

The consumer applies a backlog as runs of events, each run one unit of work; the
run's `referral.submitted` project their requests in one statement, and the cohorts
and scores of all its patients are recomputed together when the run finishes, on all
of their requests: the same register rows as applying the events one at a time, in
fewer statements.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from care_plans.domain.event_types import COHORT_CHANGED
from care_plans.store.tables import patient_register
from care_plans.worker import build_worker
from carecoord_shared.events import Event, InboxConsumer
from carecoord_shared.testing.statements import counting
from services.care_plans.tests.conftest import CarePlans
from services.care_plans.tests.events.test_referral_submitted import submitted

RUN = 3


def _submitted(nhs: str) -> Event:
    return submitted(f"ServiceRequest/{uuid.uuid4()}", nhs_number=nhs)


def _consumer(care_plans: CarePlans) -> InboxConsumer:
    [subscription] = build_worker(care_plans.settings).subscriptions
    return InboxConsumer(
        care_plans.engine,
        care_plans.settings.kafka_bootstrap_servers,
        "care_plans.risk-score-once",
        subscription.topics,
        subscription.handlers,
        run_scope=subscription.run_scope,
    )


async def _row(care_plans: CarePlans, nhs: str) -> tuple[Any, ...]:
    register = patient_register.c
    query = select(register.cohorts, register.risk_score, register.six_monthly_review)
    async with care_plans.engine.connect() as conn:
        row = (await conn.execute(query.where(register.nhs_number == nhs))).one()
    return tuple(row)


async def test_a_run_of_submissions_recomputes_the_score_once_with_the_same_result(
    care_plans: CarePlans,
) -> None:
    together_id, together = await care_plans.registered()
    _, beside = await care_plans.registered()
    one_by_one_id, one_by_one = await care_plans.registered()
    cohorts, score, six_monthly = await _row(care_plans, together)
    consumer = _consumer(care_plans)
    for _ in range(RUN):
        await consumer._apply([_submitted(one_by_one)])

    with counting(care_plans.engine) as seen:
        await consumer._apply([_submitted(p) for _ in range(RUN) for p in (together, beside)])

    assert consumer.stats.handled == 3 * RUN
    # the inbox, every request projected, then for both patients at once: entries,
    # Conditions, requests, save (5 statements per event before, 10 per patient after)
    assert (seen.transactions, seen.count) == (1, 1 + 1 + 4), seen.statements
    assert seen.of("UPDATE patient_register") == 1
    assert await _row(care_plans, together) == (cohorts, score + RUN, six_monthly)
    assert await _row(care_plans, one_by_one) == await _row(care_plans, together)
    assert await _row(care_plans, beside) == await _row(care_plans, together)
    changed = [
        await care_plans.events(COHORT_CHANGED, f"Patient/{p}")
        for p in (together_id, one_by_one_id)
    ]
    assert len(changed[0]) == len(changed[1]) == 1  # on the register; requests change no cohort
