"""The events of one A&G request, seen on a real Kafka topic: types, keys, schemas.

The app writes its events to the outbox; the kernel's relay publishes them to this
test's own topic, and a plain consumer reads them as an outside partner would.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import orjson
import pytest

from carecoord_devstack.testing import read_records
from carecoord_shared.events import OutboxRelay, SchemaCatalogue, ensure_topics
from carecoord_shared.security.dev_issuer import DevIssuer
from referrals.events import SCHEMAS
from services.referrals.tests.conftest import Referrals, SettingsFactory, started_referrals
from services.referrals.tests.flows import message, referrer, submit, triage

TOPIC = f"test.referrals.{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
async def on_topic(
    issuer: DevIssuer,
    referrals_settings_factory: SettingsFactory,
    kafka_bootstrap: str,
    infrastructure: None,
) -> AsyncIterator[Referrals]:
    await ensure_topics(kafka_bootstrap, [TOPIC])
    async with started_referrals(issuer, referrals_settings_factory, topic=TOPIC) as harness:
        relay = OutboxRelay(harness.engine, kafka_bootstrap, idle_poll_s=0.05)
        running = asyncio.create_task(relay.run())
        try:
            yield harness
        finally:
            relay.stop()
            await running


async def test_an_a_and_g_journey_is_announced_in_order_keyed_by_nhs_number(
    on_topic: Referrals, kafka_bootstrap: str
) -> None:
    request = await submit(on_topic, authorise_conversion=True)
    nhs = request["subject"]["identifier"]["value"]
    await triage(on_topic, request["id"], "information-requested", note="Bloods?")
    answered = await message(on_topic, request, "Attached")
    assert answered.status_code == 201
    converted = await triage(on_topic, request["id"], "converted")
    assert converted.status_code == 200, converted.text
    cancelled = await triage(on_topic, request["id"], "cancelled", headers=referrer(on_topic))
    assert cancelled.status_code == 409  # converted is final

    records = await read_records(kafka_bootstrap, TOPIC, 10)

    headers = [{k: v.decode() for k, v in r.headers} for r in records]
    types = [h["ce_type"] for h in headers]
    assert types == [
        "carecoord.referral.submitted.v1",
        "carecoord.referral.routed.v1",
        "carecoord.referral.revised.v1",
        "carecoord.referral.triaged.v1",
        "carecoord.referral.message-added.v1",
        "carecoord.referral.revised.v1",
        "carecoord.referral.submitted.v1",  # the referral that replaces the A&G request
        "carecoord.referral.revised.v1",
        "carecoord.referral.converted.v1",
        "carecoord.referral.triaged.v1",
    ]
    assert {r.key for r in records} == {nhs.encode()}
    catalogue = SchemaCatalogue.from_folder(SCHEMAS)
    for record, header in zip(records, headers, strict=True):
        catalogue.validate(header["ce_type"], orjson.loads(record.value))
    triaged = [
        orjson.loads(r.value)
        for r, t in zip(records, types, strict=True)
        if t.endswith("triaged.v1")
    ]
    assert [t["outcome"] for t in triaged] == ["information-requested", "converted"]
