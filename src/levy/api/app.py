"""Checkout service (Levy over HTTP): the application factory and the quote endpoint; the
ledger's endpoints live in ``levy.api.orders``, the report's in ``levy.api.reports``.

Most checkouts are not written in Python, so they reach Levy over HTTP; the service runs beside
checkout and answers a quote in a few milliseconds. The contract (``shared/contract.md``) is the
same as the command line's: ``POST /v1/quote`` takes the order, answers the decision, and 422
with the contract's error object for an order that does not fit.

Why the quote route reads raw bytes instead of declaring an ``Order`` body parameter: the
engine's ``parse_order`` validates JSON bytes in one pydantic-core pass and names each offending
field in the contract's words (``lines.0.unit_price``), which FastAPI's own validation would
not. The OpenAPI document still describes the body and answers with the very models the command
line uses (``levy.models.Order``, ``Decision``, ``ErrorBody``), merged in by ``_openapi``.

Everything but ``/healthz``, ``/metrics`` and the OpenAPI document needs an API key (see
``levy.api.auth``); refusals answer ``{"error": {"code": ..., "message": ...}}``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter
from starlette.exceptions import HTTPException as StarletteHTTPException

from levy.api.auth import ApiKey, KeysError, KeyStore, Role
from levy.api.limits import MAX_BODY_BYTES, BodyLimitMiddleware
from levy.api.logs import sensitive
from levy.api.metrics import Metrics, MetricsMiddleware
from levy.api.orders import add_order_routes, extra_schemas
from levy.api.reports import ReportSource, add_report_route, source_from_env
from levy.engine import ENGINE_VERSION, Engine, parse_order
from levy.errors import FieldError, InvalidOrder, LevyError, NoRateError
from levy.models import Decision, ErrorBody, Order

log = logging.getLogger("levy.api")

_DECISION_JSON = TypeAdapter(Decision)
JSON = "application/json"

STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    422: "INVALID_REQUEST",
    500: "INTERNAL_ERROR",
    503: "UNAVAILABLE",
}
"""The ``error.code`` of each refusal that is not an order's ``INVALID_ORDER``."""


# --- response models (OpenAPI) -----------------------------------------------------------


class ProblemField(BaseModel):
    loc: str
    msg: str


class ProblemDetail(BaseModel):
    code: str
    message: str
    fields: list[ProblemField] | None = None


class Problem(BaseModel):
    """A refusal: ``error.code`` is a machine code (``UNAUTHENTICATED``, ``FORBIDDEN``,
    ``PAYLOAD_TOO_LARGE``, ...), ``error.message`` says what to fix."""

    error: ProblemDetail


class Health(BaseModel):
    status: str
    engine_version: str
    rates_version: str


def problem(status: int, message: str, headers: dict[str, str] | None = None,
            fields: list[dict[str, str]] | None = None) -> JSONResponse:
    """A refusal body naming the problem."""
    error: dict[str, Any] = {"code": STATUS_CODES.get(status, str(status)), "message": message}
    if fields:
        error["fields"] = fields
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def invalid_order(exc: InvalidOrder) -> JSONResponse:
    """422 with the contract's error object (the same one ``levy quote`` prints)."""
    return JSONResponse(exc.body(), status_code=422)


REFUSALS = {
    401: {"model": Problem, "description": "No API key, or one the service does not know"},
    403: {"model": Problem, "description": "The key's role may not call this endpoint"},
}
ORDER_BODY = {
    413: {"model": Problem, "description": "Request body above 1 MiB"},
    422: {"model": ErrorBody, "description": "The order does not fit the contract (INVALID_ORDER)"},
}


# --- authentication ------------------------------------------------------------------------


_WWW_AUTH = {"WWW-Authenticate": 'Bearer realm="levy"'}


def presented_key(request: Request) -> str:
    """The key a request carries (``Authorization: Bearer`` or ``X-API-Key``).

    Raises:
        StarletteHTTPException: 401 naming what is missing or malformed.
    """
    headers = request.headers
    auth = headers.get("authorization")
    if auth is not None:
        scheme, _, value = auth.strip().partition(" ")
        value = value.strip()
        if scheme.lower() != "bearer" or not value:
            raise StarletteHTTPException(401, "the Authorization header must be 'Bearer <key>'", _WWW_AUTH)
        return value
    value = headers.get("x-api-key")
    if value:
        return value.strip()
    raise StarletteHTTPException(
        401, "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'", _WWW_AUTH
    )


def authorizer(store: KeyStore) -> Callable[..., Callable]:
    """``require(*roles)``: an awaitable check that admits a key of one of ``roles``, or refuses.

    Handlers await it first thing rather than declaring it with ``Depends``: FastAPI's
    dependency solving costs about as much as the whole quote (measured: 135 -> 95 us per
    request in-process), and the quote is the hot path. The OpenAPI document still declares the
    security schemes and each operation's roles (``secured``).
    """

    def require(*roles: Role) -> Callable:
        allowed = frozenset(roles)
        needs = " or ".join(f"'{r.value}'" for r in roles)

        async def check(request: Request) -> ApiKey:
            secret = presented_key(request)
            sensitive((secret,))
            key = store.identify(secret)
            if key is None:
                log.info("refused %s %s: unknown API key", request.method, request.url.path)
                raise StarletteHTTPException(
                    401, "API key not recognised (mistyped, revoked, or for another deployment)", _WWW_AUTH
                )
            if key.role not in allowed:
                route = getattr(request.scope.get("route"), "path_format", None) or request.url.path
                log.info("refused %s %s: key %r has role %s", request.method, route, key.name, key.role.value)
                raise StarletteHTTPException(
                    403, f"key '{key.name}' has role '{key.role.value}'; {request.method} {route} "
                         f"needs role {needs}")
            return key

        return check

    return require


def secured(*roles: Role, **extra: Any) -> dict:
    """``openapi_extra`` of an operation that needs a key of one of ``roles``."""
    names = ", ".join(r.value for r in roles)
    return {"security": [{"bearer": []}, {"apiKey": []}], "x-levy-roles": [r.value for r in roles],
            "description": f"Needs an API key of role: {names}.", **extra}


# --- the application -----------------------------------------------------------------------


class RawRoute(APIRoute):
    """A route whose endpoint takes the ``Request`` (and the path's parameters, as strings) and
    returns the ``Response`` itself.

    FastAPI still documents it from its declaration (``responses``, ``openapi_extra``), but
    calls it directly, without solving parameters or serialising a return value: the quote reads
    and validates its own body (``parse_order``), so that machinery would only cost time
    (FastAPI's "custom APIRoute class" extension point; measured in-process, 118 -> 104 us a
    quote).
    """

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        endpoint = self.endpoint
        if not self.param_convertors:
            return endpoint

        async def with_path_params(request: Request) -> Response:
            return await endpoint(request, **request.path_params)

        return with_path_params


def create_app(
    engine: Engine | None = None,
    keys: KeyStore | list[ApiKey] | None = None,
    db_url: str | None = None,
    *,
    report_source: ReportSource | None = None,
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
    from levy.ledger.store import Ledger

    ledger = Ledger(db_url, engine=engine)  # opens (and migrates) the database, or says why not
    metrics = Metrics()
    require = authorizer(store)
    checkout = require(Role.CHECKOUT)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        ledger.close()  # the database connections go back before the worker exits

    app = _fastapi(
        title="Levy checkout service",
        version=ENGINE_VERSION,
        summary="Deemed-supplier VAT/GST decisions for marketplace checkouts (checkout contract v1)",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.keys = store
    app.state.metrics = metrics
    app.state.require = require
    app.state.ledger = ledger
    _install_error_handlers(app)

    async def quote(request: Request) -> Response:
        await checkout(request)
        body = await request.body()
        try:
            order = parse_order(body)
            buyer = order.buyer
            sensitive((buyer.vat_number, buyer.exemption.certificate_id if buyer.exemption else None))
            decision = engine.quote(order)
        except InvalidOrder as exc:
            return invalid_order(exc)
        except LevyError as exc:
            return invalid_order(_as_invalid(exc, order.order_id))
        metrics.decision(decision.scheme, decision.reason)
        return Response(_DECISION_JSON.dump_json(decision), media_type=JSON)

    app.router.add_api_route(
        "/v1/quote", quote, methods=["POST"], route_class_override=RawRoute,
        tags=["checkout"],
        summary="Decide one order: collect or not, how much, and why",
        response_class=Response,
        responses={200: {"model": Decision, "description": "The decision"}, **REFUSALS, **ORDER_BODY},
        openapi_extra=secured(Role.CHECKOUT, **_order_body("The order (checkout contract v1)")),
    )

    add_order_routes(app, require, ledger, metrics)
    add_report_route(app, require, report_source or source_from_env(ledger), engine.fx)

    @app.get("/healthz", tags=["operations"], summary="Liveness and the loaded reference data",
             response_model=Health)
    async def healthz() -> Health:
        return Health(status="ok", engine_version=ENGINE_VERSION, rates_version=engine.rates_version)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", response_class=Response,
             responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                              "description": "Prometheus text exposition format"}})
    async def metrics_endpoint() -> Response:
        return Response(metrics.render(), media_type=metrics.content_type)

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    # Outermost first: the size limit refuses before anything is read; timing covers the rest.
    app.add_middleware(BodyLimitMiddleware, limit=max_body)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def _fastapi(**kwargs: Any) -> FastAPI:
    """A FastAPI app without FastAPI's native OpenTelemetry hooks (FastAPI >= 0.160): the
    service reports through Prometheus, and the hooks' per-request provider checks cost more
    than the route lookup."""
    try:
        return FastAPI(telemetry={"tracing": False, "metrics": False, "logs": False}, **kwargs)
    except TypeError:  # an older FastAPI without native telemetry
        return FastAPI(**kwargs)


def _as_invalid(exc: LevyError, order_id: str | None) -> InvalidOrder:
    """An engine refusal that is not a contract violation still names the field behind it:
    a missing rate means ``placed_at`` falls outside the reference data."""
    loc = "placed_at" if isinstance(exc, NoRateError) else "(order)"
    return InvalidOrder([FieldError(loc, str(exc))], order_id)


CONTRACT_EXAMPLE = {
    "order_id": "AE-2026-000123", "placed_at": "2026-11-02T14:05:00+01:00", "channel": "online",
    "currency": "USD", "seller": {"id": "S-88", "country": "CN"}, "ship_from": "CN",
    "ship_to": {"country": "DE", "postal_code": "10115"}, "buyer": {"id": "B-1"},
    "lines": [{"sku": "BOOK-1", "quantity": 2, "unit_price": "12.50", "category": "books"},
              {"sku": "TOY-7", "quantity": 1, "unit_price": "30.00", "category": "general"}],
    "shipping": "5.00",
}
"""The order of the checkout contract's example (``shared/contract.md``), shown in the docs."""


def _order_body(description: str) -> dict:
    return {"requestBody": {"required": True, "description": description, "content": {
        JSON: {"schema": {"$ref": "#/components/schemas/Order"}, "example": CONTRACT_EXAMPLE}}}}


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
        # learns only that it is not their fault.
        return problem(500, "internal error: the service log has the details")


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
    for name, sub in extra_schemas().items():
        schemas.setdefault(name, sub)
    doc["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <key>"},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    }
    app.openapi_schema = doc
    return doc


def app_from_env() -> FastAPI:
    """The factory ``levy serve`` gives uvicorn (``levy.api:app_from_env``): everything from the
    environment (``LEVY_API_KEYS[_FILE]``, ``LEVY_DATABASE_URL``, ``LEVY_REPORT_LINES``,
    ``LEVY_RATES_DIR``), because each worker process builds its own application."""
    return create_app()


__all__ = ["create_app", "app_from_env", "Problem", "problem", "invalid_order", "JSON"]
