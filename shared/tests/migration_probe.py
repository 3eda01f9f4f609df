"""A fresh process that starts the example API or a worker, for the migration tests.

`python -m shared.tests.migration_probe '<json>'` with keys `mode` (`api`: start the
app's lifespan and ask `/readyz`; `worker`: start a worker; `serve`: serve the app
under uvicorn as a service's console script does), `database_url`, `issuer_dir`,
`kafka` and `migrations` (a service's versions folder, or null). It prints what it saw
as JSON, including whether alembic or mako were ever imported in this process: the
test process itself has migrated in process, so only a fresh one can tell.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from carecoord_devstack.testing import serving, working
from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.settings import ServiceSettings
from carecoord_shared.web.app import create_service_app
from carecoord_shared.web.server import serve
from carecoord_shared.worker_runtime import Worker
from shared.tests.example_service import example_settings


def _loaded() -> dict[str, bool]:
    return {name: name in sys.modules for name in ("alembic", "mako")}


async def _api(settings: ServiceSettings, migrations: Path | None) -> dict[str, Any]:
    app = create_service_app(
        settings, FhirRegistry("example"), title="example", migrations=migrations
    )
    async with serving(app, "http://x") as client:
        ready = await client.get("/readyz")
        return {"ready": ready.status_code, **_loaded()}


async def _worker(settings: ServiceSettings, migrations: Path | None) -> dict[str, Any]:
    worker = Worker(settings, settings.topic, migrations=migrations)
    async with working(worker, start_timeout_s=120.0):
        return {"started": worker.started.is_set(), **_loaded()}


def main() -> None:
    args = json.loads(sys.argv[1])
    migrations = None if args["migrations"] is None else Path(args["migrations"])
    settings = example_settings(
        args["database_url"],
        DevIssuer(Path(args["issuer_dir"])),
        kafka_bootstrap_servers=args["kafka"],
        topic=args.get("topic", "test.migration.probe"),
        port=args.get("port", 8000),
        host="127.0.0.1",
    )
    if args["mode"] == "serve":
        registry = FhirRegistry("example")
        serve(
            lambda s: create_service_app(s, registry, title="example", migrations=migrations),
            settings,
        )
        return
    run = _api if args["mode"] == "api" else _worker
    print(json.dumps(asyncio.run(run(settings, migrations))))


if __name__ == "__main__":
    main()
