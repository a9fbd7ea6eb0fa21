"""What every router of the checkout service shares: refusals, keys, the application's state.

``levy.api.app`` builds the application and includes one ``APIRouter`` per resource
(``quote``, ``orders``, ``reports``, ``operations``); each router imports this module, never the
application, so the service's modules form one layer over the next:

    app -> quote, orders, reports, operations -> http -> auth, logs, metrics -> levy (engine, ledger)

* refusals: :func:`problem` (``{"error": {"code", "message"}}``) and :func:`invalid_order` (the
  contract's ``INVALID_ORDER`` object), with their OpenAPI models;
* keys: :func:`require` admits a key of the given roles, read from ``Authorization: Bearer`` or
  ``X-API-Key`` and checked against the application's key store; :func:`secured` documents it;
* state: :func:`services` is what ``create_app`` put on ``app.state`` (engine, keys, ledger,
  metrics, report source).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from levy.api.auth import ApiKey, KeyStore, Role
from levy.api.logs import sensitive
from levy.api.metrics import Metrics
from levy.engine import Engine
from levy.errors import InvalidOrder
from levy.fx import EcbRates
from levy.ledger.store import Ledger
from levy.models import ErrorBody

log = logging.getLogger("levy.api")

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


# --- refusals ------------------------------------------------------------------------------


class ProblemField(BaseModel):
    loc: str
    msg: str


class ProblemDetail(BaseModel):
    code: str
    message: str
    fields: list[ProblemField] | None = None


class Problem(BaseModel):
    """Every error the service answers: ``error.code`` is a machine code (``UNAUTHENTICATED``,
    ``FORBIDDEN``, ``PAYLOAD_TOO_LARGE``, ...), ``error.message`` says what to fix, 422 adds
    ``error.fields``. The contract's invalid order (``ErrorBody``) and the ledger's refusals
    (``LedgerRefusal``) carry the same ``error`` object beside their ``order_id``. Every
    response carries ``X-Request-ID``."""

    error: ProblemDetail


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


# --- the application's state ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Services:
    """What ``create_app`` builds once and every request reads (``app.state.services``)."""

    engine: Engine
    keys: KeyStore
    ledger: Ledger
    metrics: Metrics
    report_source: Any
    """A ``levy.api.reports.ReportSource``."""
    report_rates: Callable[[], EcbRates]
    """The ECB history a report converts with (see ``levy.api.app.create_app``)."""


def services(request: Request) -> Services:
    """The application's :class:`Services`."""
    return request.app.state.services


# --- keys ----------------------------------------------------------------------------------


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


def require(*roles: Role) -> Callable[[Request], Awaitable[ApiKey]]:
    """An awaitable check that admits a key of one of ``roles``, or refuses (401, 403).

    Handlers await it first thing rather than declaring it with ``Depends``: FastAPI's
    dependency solving costs about as much as the whole quote (measured: 135 -> 95 us per
    request in-process), and the quote is the hot path. The OpenAPI document still declares the
    security schemes and each operation's roles (:func:`secured`).
    """
    allowed = frozenset(roles)
    needs = " or ".join(f"'{r.value}'" for r in roles)

    async def check(request: Request) -> ApiKey:
        secret = presented_key(request)
        sensitive((secret,))
        key = request.app.state.services.keys.identify(secret)
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


def secured(*roles: Role, **extra: Any) -> dict:
    """``openapi_extra`` of an operation that needs a key of one of ``roles``."""
    names = ", ".join(r.value for r in roles)
    return {"security": [{"bearer": []}, {"apiKey": []}], "x-levy-roles": [r.value for r in roles],
            "description": f"Needs an API key of role: {names}.", **extra}


# --- routes --------------------------------------------------------------------------------


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


__all__ = [
    "JSON", "ORDER_BODY", "REFUSALS", "STATUS_CODES", "Problem", "RawRoute", "Services", "invalid_order",
    "presented_key", "problem", "require", "secured", "services",
]
