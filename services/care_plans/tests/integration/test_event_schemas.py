"""Every event this service puts in its outbox matches the JSON Schema it publishes.

Runs last in its module on a database where the register, co-ordinators, cover,
plans and reviews have all produced events, so each type is checked on real data.
"""

from __future__ import annotations

from collections import Counter

import orjson
from sqlalchemy import select

from care_plans.events import SCHEMAS
from carecoord_shared.events import SchemaCatalogue, outbox
from services.care_plans.tests.builders import DIABETES, assignment, care_plan, cover_that_ended
from services.care_plans.tests.conftest import CarePlans


async def test_outbox_events_match_their_schemas(care_plans: CarePlans) -> None:
    patient_id, nhs = await care_plans.registered(conditions=(DIABETES,))
    await care_plans.assign(patient_id, assignment("110001"))
    await care_plans.assign(patient_id, assignment("110002"))
    await care_plans.assign(patient_id, cover_that_ended("110003", days=2))
    await care_plans.post(care_plan(nhs, reviewed="2024-01-01"), role="system")
    await care_plans.housekeep()

    catalogue = SchemaCatalogue.from_folder(SCHEMAS)
    async with care_plans.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.type, outbox.c.payload))).all()
    seen = Counter()
    for event_type, payload in rows:
        assert event_type in catalogue, event_type
        catalogue.validate(event_type, orjson.loads(payload))
        seen[event_type] += 1
    assert set(seen) >= {
        "carecoord.patient.registered.v1",
        "carecoord.patient.cohort-changed.v1",
        "carecoord.coordinator.assigned.v1",
        "carecoord.coordinator.ended.v1",
        "carecoord.careplan.revised.v1",
        "carecoord.careplan.review-due.v1",
    }
