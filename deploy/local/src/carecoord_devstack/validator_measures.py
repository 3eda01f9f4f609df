"""The Measures the services define, for the validator: MeasureReport.measure must resolve.

A MeasureReport names its Measure by canonical URL. The services write their Measures at
start-up (`ServiceDefinition.startup`, e.g. care plans' indicators G1-G3) rather than
publishing them as static definitions, so they are harvested the same way the services
make them: each service's start-up step runs against the kernel's in-memory store (no
database, no running service) and every Measure or Library it writes is kept, as the
service itself would serve it. The validator loads them with the published definitions.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import orjson

from carecoord_shared.security.principal import system_principal
from carecoord_shared.service import system_clock
from carecoord_shared.testing.store import InMemoryInteractions, InMemoryTransaction

__all__ = [
    "DEFINITIONAL_TYPES",
    "SERVICES",
    "service_measures",
    "with_service_measures",
    "write_measures",
]

SERVICES = ("referrals", "care_plans", "mdt", "portal")
DEFINITIONAL_TYPES = ("Measure", "Library")
"""Canonical resources a report or artifact may point at that services write at start-up."""


async def _written_at_startup(service: str) -> list[dict[str, object]]:
    declaration = importlib.import_module(f"{service}.definition").SERVICE
    if declaration.startup is None:
        return []
    _, context, registry = declaration.assemble(None, system_clock)
    store = InMemoryTransaction(registry, system_principal(service))
    await declaration.startup(InMemoryInteractions(store), context)
    return [
        versions[-1].as_json()
        for (kind, _), versions in sorted(store.versions.items())
        if kind in DEFINITIONAL_TYPES and versions and versions[-1].content is not None
    ]


def service_measures(services: tuple[str, ...] = SERVICES) -> list[dict[str, object]]:
    """Every Measure (and Library) the services write at start-up."""

    async def harvest() -> list[dict[str, object]]:
        return [found for service in services for found in await _written_at_startup(service)]

    return asyncio.run(harvest())


def write_measures(folder: Path, services: tuple[str, ...] = SERVICES) -> int:
    """Write them into `folder` as `<type>-<id>.json`; returns how many."""
    folder.mkdir(parents=True, exist_ok=True)
    measures = service_measures(services)
    for resource in measures:
        name = f"{resource['resourceType']}-{resource['id']}.json"
        (folder / name).write_bytes(orjson.dumps(resource, option=orjson.OPT_INDENT_2))
    return len(measures)


@contextlib.contextmanager
def with_service_measures(definitions: Path | None) -> Iterator[Path]:
    """A folder holding the published definitions (linked, not copied) and the Measures
    the services write at start-up: what the validator resolves canonical URLs against."""
    with tempfile.TemporaryDirectory(prefix="validator-definitions-") as folder:
        combined = Path(folder)
        for path in sorted(definitions.glob("*.json")) if definitions else ():
            (combined / path.name).symlink_to(path.resolve())
        write_measures(combined)
        yield combined
