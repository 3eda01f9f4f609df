"""`create_service_app`: a CareCoord service from its settings and FHIR registry.

The lifespan builds everything with I/O (engine, migrations, token verifier) so that
importing a service has no side effects and tests can build as many apps as they
like. Every error leaves as an OperationOutcome; `/healthz` says the process is up,
`/readyz` that its database and Kafka answer, `/metrics` serves Prometheus.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from carecoord_shared.db import create_engine, is_database_outage, wait_for_database
from carecoord_shared.events.metrics import OUTBOX_BACKLOG, OUTBOX_LAG_SECONDS
from carecoord_shared.events.outbox import backlog as outbox_backlog
from carecoord_shared.events.schemas import SchemaCatalogue
from carecoord_shared.events.topics import kafka_ready
from carecoord_shared.fhir.audit_routes import router as audit_routes
from carecoord_shared.fhir.definition_routes import router as definition_routes
from carecoord_shared.fhir.http import outcome_response
from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.kernel_operations import BREAK_GLASS
from carecoord_shared.fhir.kernel_operations import router as kernel_operations
from carecoord_shared.fhir.operation_routes import REFUSAL, operation_router
from carecoord_shared.fhir.outcome import FhirError, Issue, method_not_allowed, unknown_route
from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.fhir.routes import router as fhir_router
from carecoord_shared.fhir.system_routes import router as system_routes
from carecoord_shared.logging import configure_logging
from carecoord_shared.migration_process import migrate_at_start
from carecoord_shared.security.tokens import TokenVerifier
from carecoord_shared.service import Clock, ServiceDefinition, system_clock
from carecoord_shared.settings import ServiceSettings
from carecoord_shared.store.search_order import fill_sort_keys

Startup = Callable[[FastAPI], Awaitable[None]]


def _jwks_url(settings: ServiceSettings) -> str:
    if not settings.auth_jwks_url:
        raise RuntimeError("Set AUTH_JWKS_URL (or CARECOORD_JWKS_URL) to the token issuer's JWKS")
    return settings.auth_jwks_url


def served_methods(request: Request) -> str:
    """The `Allow` of a 405: every method served at the request's path, those of the most
    specific routes matching it (a literal segment beats a parameter, so `/fhir/metadata`
    is not taken for a resource type); `HEAD` wherever `GET` is (the middleware answers it)."""
    scope = {**request.scope, "method": ""}
    matching = [
        route
        for route in iter_route_contexts(request.app.routes)
        if route.name != REFUSAL
        and hasattr(route, "param_convertors")
        and route.matches(scope)[0] is not Match.NONE
    ]
    fewest = min((len(r.param_convertors) for r in matching), default=0)
    methods = {
        method
        for route in matching
        if len(route.param_convertors) == fewest
        for method in route.methods or ()
    }
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FhirError)
    async def fhir_error(_request: Request, error: FhirError) -> Response:
        return outcome_response(error.status, error.issues, error.headers or None)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_request: Request, error: RequestValidationError) -> Response:
        issues = [
            Issue(
                "invalid",
                f"Invalid request {'.'.join(str(p) for p in e['loc'])}: {e['msg']}",
                (".".join(str(p) for p in e["loc"][1:]) or "request",),
            )
            for e in error.errors()
        ]
        return outcome_response(400, issues)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 405:
            problem = method_not_allowed(f"{request.method} is not supported here")
            problem.headers["Allow"] = served_methods(request)
        elif error.status_code == 404:
            problem = unknown_route(f"Nothing is served at {request.url.path[:80]}")
        else:
            problem = FhirError(error.status_code, [Issue("processing", "The request failed")])
        return outcome_response(problem.status, problem.issues, problem.headers or None)


def _health_routes(app: FastAPI, *, metrics: bool) -> None:
    @app.get("/healthz", tags=["ops"], summary="Liveness")
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", tags=["ops"], summary="Readiness: the database answers")
    async def readyz(request: Request) -> JSONResponse:
        """Ready when its own database answers. Kafka down only makes the service
        *degraded*: writes still commit to the outbox, which the relay drains later."""
        state = request.app.state
        now = time.monotonic()
        if now - state.kafka_checked_at > 5:
            state.kafka_ok = await kafka_ready(state.settings.kafka_bootstrap_servers)
            state.kafka_checked_at = now
        try:
            async with state.engine.connect() as conn:
                pending, oldest_s = await outbox_backlog(conn)
        except Exception as error:  # readiness reports any failure as not ready
            if not is_database_outage(error):
                raise
            down = {"status": "not-ready", "checks": {"database": False}}
            return JSONResponse(down, status_code=503, headers={"Retry-After": "5"})
        OUTBOX_BACKLOG.set(pending)
        OUTBOX_LAG_SECONDS.set(oldest_s)
        body: dict[str, object] = {
            "status": "ready" if state.kafka_ok else "degraded",
            "checks": {"database": True, "kafka": state.kafka_ok},
            "outbox": {"pending": pending, "oldestSeconds": round(oldest_s, 3)},
        }
        if not state.kafka_ok:
            body["reason"] = "Kafka is unreachable: changes are kept in the outbox until it returns"
        return JSONResponse(body)

    if not metrics:
        return

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics")
    async def prometheus() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _lifespan(
    settings: ServiceSettings,
    registry: FhirRegistry,
    migrations: Path | None,
    on_startup: Startup | None,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Everything with I/O, built when the app starts (never at import)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level)
        engine = create_engine(
            settings.db_url,
            settings.database_pool_size,
            statement_timeout_ms=settings.statement_timeout_ms,
        )
        await wait_for_database(engine)
        await migrate_at_start(settings.db_url, migrations)
        await fill_sort_keys(engine, registry)
        app.state.engine = engine
        app.state.fhir = FhirInteractions(engine, registry)
        app.state.token_verifier = TokenVerifier(
            settings.auth_issuer, settings.auth_audience, _jwks_url(settings)
        )
        app.state.kafka_ok = False
        app.state.kafka_checked_at = float("-inf")
        if on_startup is not None:
            await on_startup(app)
        try:
            yield
        finally:
            await engine.dispose()

    return lifespan


def _mount(app: FastAPI, registry: FhirRegistry, routers: Sequence[APIRouter]) -> None:
    """Routes in the order they must match: specific ones before the generic FHIR routes."""
    app.include_router(kernel_operations)
    app.include_router(audit_routes)
    app.include_router(operation_router(registry.operations, registry.service))
    for extra in routers:
        app.include_router(extra)
    app.include_router(definition_routes)
    app.include_router(system_routes)
    app.include_router(fhir_router)


def create_service_app(
    settings: ServiceSettings,
    registry: FhirRegistry,
    *,
    title: str,
    description: str = "",
    routers: Sequence[APIRouter] = (),
    migrations: Path | None = None,
    event_schemas: Path | None = None,
    on_startup: Startup | None = None,
    context: object = None,
) -> FastAPI:
    """Build a service. Operation routes are mounted before the generic FHIR routes."""
    from carecoord_shared.web.middleware import Limits, RequestContextMiddleware

    ops = settings.ops_endpoints_public
    app = FastAPI(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=_lifespan(settings, registry, migrations, on_startup),
        docs_url="/docs" if ops else None,
        redoc_url="/redoc" if ops else None,
        openapi_url="/openapi.json" if ops else None,
    )
    app.state.settings = settings
    app.state.context = context
    app.state.registry = registry.declare(BREAK_GLASS)
    app.state.event_catalogue = (
        SchemaCatalogue.from_folder(event_schemas) if event_schemas is not None else None
    )
    limits = Limits(
        client_rate=settings.rate_limit_per_client,
        client_burst=settings.rate_limit_per_client * 2,
        failed_auth_rate=settings.failed_sign_ins_per_minute / 60,
        failed_auth_burst=min(20.0, settings.failed_sign_ins_per_minute),
    )
    app.add_middleware(RequestContextMiddleware, limits=limits)
    _error_handlers(app)
    _health_routes(app, metrics=ops)
    _mount(app, registry, routers)
    return app


def build_app(
    definition: ServiceDefinition,
    settings: ServiceSettings | None = None,
    *,
    clock: Clock = system_clock,
) -> FastAPI:
    """The API process of a declared service; `clock` pins "now" (tests only)."""
    settings, context, registry = definition.assemble(settings, clock)
    startup = definition.startup

    async def on_startup(app: FastAPI) -> None:
        if startup is not None:
            await startup(app.state.fhir, context)

    app = create_service_app(
        settings,
        registry,
        title=definition.title,
        description=definition.description,
        routers=[make(context) for make in definition.routers],
        migrations=definition.migrations,
        event_schemas=definition.event_schemas,
        context=context,
        on_startup=on_startup,
    )
    if definition.install is not None:
        definition.install(app, context)
    return app
