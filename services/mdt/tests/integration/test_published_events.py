"""Everything the mdt service publishes matches its own JSON Schemas (docs/EVENTS.md)."""

from __future__ import annotations

from datetime import date

import orjson
from sqlalchemy import text

from carecoord_shared.events import SchemaCatalogue
from mdt.events import EVENT_SCHEMAS
from services.mdt.tests.builders import PRACTICE_A, action, parameters
from services.mdt.tests.conftest import Mdt


async def test_published_events_match_their_schemas(mdt: Mdt) -> None:
    catalogue = SchemaCatalogue.from_folder(EVENT_SCHEMAS)
    mdt_id = await mdt.team()
    (meeting,) = await mdt.meetings(mdt_id, count=1)
    case_id = (await mdt.nominate(mdt_id, await mdt.patient())).json()["id"]
    await mdt.assemble(meeting)
    body = parameters(("status", "valueCode", "discussed"))
    body["parameter"] += [
        action("Call", "role", date.today(), display="Link worker"),
        action("Review medication", "organisation", date.today(), practice=PRACTICE_A),
    ]
    assert (await mdt.post(f"Task/{case_id}/$record-outcome", body)).status_code == 200
    practice = await mdt.scalar("select id from mdt_action where owner_organisation is not null")
    assert (await mdt.invoke(f"Task/{practice}/$acknowledge")).status_code == 200
    assert (await mdt.invoke(f"Task/{practice}/$complete")).status_code == 200
    await mdt.execute("update mdt_action set due_on = current_date - 1")
    assert await mdt.escalate() == 1  # the link worker's call, not done
    async with mdt.engine.connect() as conn:
        rows = (await conn.execute(text("select type, payload from outbox"))).all()
    seen = set()
    for row in rows:
        catalogue.validate(row.type, orjson.loads(row.payload))
        seen.add(row.type)
    assert seen == set(catalogue)
