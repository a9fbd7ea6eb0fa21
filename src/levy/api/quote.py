"""``POST /v1/quote``: the checkout contract over HTTP (role checkout).

The contract (``shared/contract.md``) is the same as the command line's: the route takes the
order, answers the decision, and 422 with the contract's error object for an order that does
not fit.

Why the route reads raw bytes instead of declaring an ``Order`` body parameter: the engine's
``parse_order`` validates JSON bytes in one pydantic-core pass and names each offending field in
the contract's words (``lines.0.unit_price``), which FastAPI's own validation would not. The
OpenAPI document still describes the body (:func:`order_body`) and answers with the very models
the command line uses (``levy.models.Order``, ``Decision``, ``ErrorBody``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import TypeAdapter

from levy.api.auth import Role
from levy.api.http import (
    JSON,
    ORDER_BODY,
    REFUSALS,
    RawRoute,
    invalid_order,
    require,
    secured,
    services,
)
from levy.api.logs import sensitive
from levy.engine import parse_order
from levy.errors import FieldError, InvalidOrder, LevyError, NoRateError
from levy.models import Decision

router = APIRouter(tags=["checkout"])

_DECISION_JSON = TypeAdapter(Decision)
_checkout = require(Role.CHECKOUT)

CONTRACT_EXAMPLE = {
    "order_id": "AE-2026-000123", "placed_at": "2026-11-02T14:05:00+01:00", "channel": "online",
    "currency": "USD", "seller": {"id": "S-88", "country": "CN"}, "ship_from": "CN",
    "ship_to": {"country": "DE", "postal_code": "10115"}, "buyer": {"id": "B-1"},
    "lines": [{"sku": "BOOK-1", "quantity": 2, "unit_price": "12.50", "category": "books"},
              {"sku": "TOY-7", "quantity": 1, "unit_price": "30.00", "category": "general"}],
    "shipping": "5.00",
}
"""The order of the checkout contract's example (``shared/contract.md``), shown in the docs."""


def order_body(description: str) -> dict:
    """The OpenAPI request body of a route that reads an order raw."""
    return {"requestBody": {"required": True, "description": description, "content": {
        JSON: {"schema": {"$ref": "#/components/schemas/Order"}, "example": CONTRACT_EXAMPLE}}}}


async def quote(request: Request) -> Response:
    await _checkout(request)
    found = services(request)
    body = await request.body()
    try:
        order = parse_order(body)
        buyer = order.buyer
        sensitive((buyer.id, buyer.vat_number, buyer.exemption.certificate_id if buyer.exemption else None,
                   order.ship_to.postal_code))
        decision = found.engine.quote(order)
    except InvalidOrder as exc:
        return invalid_order(exc)
    except LevyError as exc:
        return invalid_order(_as_invalid(exc, order.order_id))
    found.metrics.decision(decision.scheme, decision.reason)
    return Response(_DECISION_JSON.dump_json(decision), media_type=JSON)


router.add_api_route(
    "/v1/quote", quote, methods=["POST"], route_class_override=RawRoute,
    summary="Decide one order: collect or not, how much, and why",
    response_class=Response,
    responses={200: {"model": Decision, "description": "The decision"}, **REFUSALS, **ORDER_BODY},
    openapi_extra=secured(Role.CHECKOUT, **order_body("The order (checkout contract v1)")),
)


def _as_invalid(exc: LevyError, order_id: str | None) -> InvalidOrder:
    """An engine refusal that is not a contract violation still names the field behind it:
    a missing rate means ``placed_at`` falls outside the reference data."""
    loc = "placed_at" if isinstance(exc, NoRateError) else "(order)"
    return InvalidOrder([FieldError(loc, str(exc))], order_id)


__all__ = ["CONTRACT_EXAMPLE", "order_body", "router"]
