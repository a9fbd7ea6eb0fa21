"""Checkout service (Levy over HTTP): the application factory.

Most checkouts are not written in Python, so they reach Levy over HTTP; the service runs beside
checkout and answers a quote in a few milliseconds. ``create_app`` builds what every request
shares (engine, keys, ledger, metrics: ``levy.api.http.Services``) and includes one router per
resource: ``levy.api.quote`` (``POST /v1/quote``), ``levy.api.orders`` (the ledger),
``levy.api.reports`` (the monthly return), ``levy.api.operations`` (health, metrics).

Everything but ``/healthz``, ``/metrics`` and the OpenAPI document needs an API key (see
``levy.api.auth``); refusals answer ``{"error": {"code": ..., "message": ...}}``.
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from levy.api import operations, orders, quote, reports
from levy.api.auth import ApiKey, KeysError, KeyStore
from levy.api.docs import add_docs
from levy.api.http import JSON, Services, problem
from levy.api.guard import InternalErrorMiddleware
from levy.api.limits import MAX_BODY_BYTES, BodyLimitMiddleware
from levy.api.metrics import Metrics, MetricsMiddleware
from levy.api.openapi_text import OPERATION_IDS, describe
from levy.api.requestid import HEADER as REQUEST_ID
from levy.api.requestid import RequestIdMiddleware, request_id_of
from levy.engine import ENGINE_VERSION, Engine
from levy.fx import EcbRates, default_rates
from levy.ledger.store import Ledger
from levy.models import Order


def create_app(
    engine: Engine | None = None,
    keys: KeyStore | list[ApiKey] | None = None,
    db_url: str | None = None,
    *,
    report_source: reports.ReportSource | None = None,
    max_body: int = MAX_BODY_BYTES,
) -> FastAPI:
    """The checkout service as an ASGI application.

    Args:
        engine: a loaded ``Engine`` (default: a new one on ``rates/``).
        keys: the accepted keys (default: ``LEVY_API_KEYS`` / ``LEVY_API_KEYS_FILE``).
        db_url: the ledger's database (SQLAlchemy URL or SQLite path; default: as ``levy commit``,
            ``LEVY_DATABASE_URL`` or ``levy.db``), for the order endpoints.
        report_source: where reports read collection lines (default: the ``levy export``
            directory ``LEVY_REPORT_LINES`` names, else the ledger of ``db_url``).
        max_body: the request body limit in bytes.

    Raises:
        KeysError: no key is configured: a service nobody may call is a mistake, not a default.
    """
    engine = engine or Engine()
    if keys is None:
        store = KeyStore.from_env()
    elif isinstance(keys, KeyStore):
        store = keys
    else:
        store = KeyStore(keys)
    if not len(store):
        raise KeysError("no API keys configured: add one with 'levy keys add NAME --role ROLE' "
                        "(keys file) or set LEVY_API_KEYS")
    ledger = Ledger(db_url, engine=engine)  # opens (and migrates) the database, or says why not
    metrics = Metrics()
    app_state = Services(
        engine=engine, keys=store, ledger=ledger, metrics=metrics,
        report_source=report_source or reports.source_from_env(ledger),
        report_rates=_report_rates(engine.fx),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        ledger.close()  # the database connections go back before the worker exits

    app = _fastapi(
        title="Levy checkout service",
        version=ENGINE_VERSION,
        summary="Deemed-supplier VAT/GST decisions for marketplace checkouts (checkout contract v1)",
        docs_url=None,  # levy.api.docs serves /docs from bundled files, no CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = app_state
    _install_error_handlers(app)
    add_docs(app)
    for router in (quote.router, orders.router, reports.router, operations.router):
        app.include_router(router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    # Outermost first: the size limit refuses before anything is read; timing covers the rest.
    app.add_middleware(InternalErrorMiddleware)  # innermost: a bug answers 500, the connection stays
    app.add_middleware(BodyLimitMiddleware, limit=max_body)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestIdMiddleware)  # outermost: every response gets X-Request-ID
    return app


def _report_rates(fx: EcbRates):
    """The ECB history a report converts with. When the engine's is the shared default one
    (``Engine()``), each report takes the FX store as it is now instead, as ``levy report`` does:
    a return needs the rate of its period's last day, which usually arrives after the service
    started, and the fix a 422 names (``levy fx update``) must work without a restart."""
    if fx is default_rates():
        return default_rates  # cached per store version: cheap
    return lambda: fx


def _fastapi(**kwargs: Any) -> FastAPI:
    """A FastAPI app without FastAPI's native OpenTelemetry hooks (FastAPI >= 0.160): the
    service reports through Prometheus, and the hooks' per-request provider checks cost more
    than the route lookup."""
    try:
        return FastAPI(telemetry={"tracing": False, "metrics": False, "logs": False}, **kwargs)
    except TypeError:  # an older FastAPI without native telemetry
        return FastAPI(**kwargs)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such resource: {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        return problem(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [{"loc": ".".join(str(p) for p in err["loc"]), "msg": err["msg"]} for err in exc.errors()]
        return problem(422, "the request does not fit the API: " +
                       "; ".join(f"{f['loc']}: {f['msg']}" for f in fields), fields=fields)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        # Logged with its traceback by the server (through the redaction filter); the caller
        # learns only that it is not their fault, and the id to quote. Starlette answers this
        # one outside the middleware, hence the header here.
        return problem(500, "internal error: the service log has the details",
                       headers={REQUEST_ID: request_id_of(request.scope)})


def _openapi(app: FastAPI) -> dict:
    """FastAPI's document, plus the order's schema (the quote body is read raw, so FastAPI
    does not see it) and the two ways to present a key."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    order = Order.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in order.pop("$defs", {}).items():
        schemas.setdefault(name, sub)
    schemas["Order"] = order
    for name, sub in orders.extra_schemas().items():
        schemas.setdefault(name, sub)
    describe(schemas)
    _document_errors_and_request_ids(doc)
    doc["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <key>"},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    }
    app.openapi_schema = doc
    return doc


_REQUEST_ID_HEADER = {"description": "The request's id: the caller's `X-Request-ID` when it sent a "
                                      "safe one (1 to 128 of A-Z a-z 0-9 . _ : @ / + = -), else a new one; "
                                      "also in the access log line", "schema": {"type": "string"}}
_INTERNAL = {"description": "Unexpected failure (the service log has the details, under the request id)",
             "content": {JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _document_errors_and_request_ids(doc: dict) -> None:
    """Every operation: a readable ``operationId``, the optional ``X-Request-ID`` request
    header, ``X-Request-ID`` on every response, 500 and FastAPI's 422 in the one error shape."""
    for path, operations_ in doc.get("paths", {}).items():
        for method, operation in operations_.items():
            operation["operationId"] = OPERATION_IDS.get((method, path), operation.get("operationId"))
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("name") == REQUEST_ID for p in parameters):
                parameters.append({"name": REQUEST_ID, "in": "header", "required": False,
                                   "description": "An id to follow the request by: echoed back when "
                                                  "it is 1 to 128 safe characters, else replaced (never refused)",
                                   "schema": {"type": "string"}})
            responses = operation.setdefault("responses", {})
            responses.setdefault("500", _INTERNAL)
            for response in responses.values():
                response.setdefault("headers", {})[REQUEST_ID] = _REQUEST_ID_HEADER
                schema = response.get("content", {}).get(JSON, {}).get("schema", {})
                if schema.get("$ref", "").endswith("/HTTPValidationError"):
                    # FastAPI's own 422 shape: the service answers in the one error shape instead
                    schema["$ref"] = "#/components/schemas/Problem"
    schemas = doc.get("components", {}).get("schemas", {})
    if "HTTPValidationError" not in json.dumps(doc["paths"]):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)


def app_from_env() -> FastAPI:
    """The factory ``levy serve`` gives uvicorn (``levy.api:app_from_env``): everything from the
    environment (``LEVY_API_KEYS[_FILE]``, ``LEVY_DATABASE_URL``, ``LEVY_REPORT_LINES``,
    ``LEVY_RATES_DIR``), because each worker process builds its own application."""
    return create_app()


__all__ = ["app_from_env", "create_app"]
