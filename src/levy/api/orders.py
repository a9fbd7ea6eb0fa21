"""The ledger over HTTP: commit paid orders, their events and refunds; read an order back.

The same rules as ``levy commit | event | refund`` (``levy.ledger``): under IOSS the VAT is due
when the platform accepts the payment (VAT Directive Art. 66a), so an order is recorded only with
a payment the platform's rules accept; refunds correct it at the original rates (Art. 90).

========================================== ============ =====================================
endpoint                                   role         answers
========================================== ============ =====================================
``POST /v1/orders``                        checkout     200 recorded, 200 again (``unchanged``)
                                                        for the same payload, 409 for another
                                                        payload under the same id
``POST /v1/orders/{order_id}/refunds``     checkout     200 recorded or ``unchanged``; 409 a
                                                        refund id reused for another request
``POST /v1/orders/{order_id}/events``      checkout     200 recorded or ``unchanged``
``GET /v1/orders/{order_id}``              finance,     the order, its payment, decision, events
                                           compliance   and refunds
========================================== ============ =====================================

Every refusal is the ledger's own object, ``{"order_id", "status": "refused", "error": {"code",
"message", ...}}``: 404 for an order the ledger does not hold, 409 for an idempotency key reused
with other content, 422 for a rule the request breaks (payment, life cycle, refund), and for an
order that does not fit the contract the contract's error object (``INVALID_ORDER``).

The ledger is synchronous (SQLAlchemy), so each call runs in the worker's thread pool, never on
the event loop that answers quotes. ``order_id`` may hold any printable character, ``/``
included: the routes take the rest of the path (``{order_id:path}``), percent-encoded or not.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from levy.api.auth import Role
from levy.api.http import REFUSALS, Problem, RawRoute, problem, require, secured, services
from levy.api.logs import sensitive
from levy.ledger.amounts import from_minor
from levy.ledger.errors import LedgerError
from levy.ledger.payments import platform_of, tenders_from_rows
from levy.ledger.schema import decisions, events, orders, payment_tenders, payments, refunds
from levy.ledger.store import Ledger, PaidOrder
from levy.models import ErrorBody, IsoDateTime

log = logging.getLogger("levy.api")

CONFLICT_CODES = frozenset({"ORDER_CONFLICT", "REFUND_CONFLICT"})
"""Refusals that mean "this idempotency key already names something else": 409."""


# --- request and response models (OpenAPI) ------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RefundRequest(_In):
    """Exactly one of ``full``, ``amount`` (gross, in the order's currency) or ``lines``."""

    refund_id: StrictStr = Field(min_length=1, max_length=64, description="the platform's refund id: the idempotency key")
    full: StrictBool = False
    amount: StrictStr | None = Field(default=None, pattern=r"^\d+(\.\d+)?$", description='gross amount, e.g. "12.50"')
    lines: dict[str, StrictInt] | None = Field(default=None, description="units returned per SKU")
    at: IsoDateTime | None = Field(default=None, description="when the refund was made (default: now)")

    @model_validator(mode="after")
    def _one_mode(self) -> RefundRequest:
        if sum((self.full, self.amount is not None, self.lines is not None)) != 1:
            raise ValueError("give exactly one of full: true, amount or lines")
        return self


class EventRequest(_In):
    kind: Literal["shipped", "completed", "dispute", "closed"]
    at: IsoDateTime | None = Field(default=None, description="when it happened (default: now)")


class LedgerErrorDetail(BaseModel):
    code: str
    message: str
    model_config = ConfigDict(extra="allow")


class LedgerRefusal(BaseModel):
    """The ledger refused: ``error.code`` names the rule, ``error.message`` the order and values."""

    order_id: str | None
    status: Literal["refused"]
    error: LedgerErrorDetail


class CommitResult(BaseModel):
    """The committed order (the same object for the first commit and for a repeat)."""

    order_id: str
    status: Literal["recorded", "unchanged"]
    collect: bool
    scheme: str | None
    reason: str
    tax_country: str | None
    currency: str
    net_total: str
    vat_total: str
    gross_total: str
    duty_total: str | None = None
    """Contract v1.1: the decision's customs duties (gross), e.g. the EU flat duty."""
    fee_total: str | None = None
    landed_total: str | None = None
    """What the buyer owes: gross_total + duty_total + fee_total (the payment is checked against it)."""
    fee: str
    amount_payable: str
    paid: str
    difference: str
    flags: list[str]
    model_config = ConfigDict(extra="allow")


class LedgerResult(BaseModel):
    """A refund or an event as recorded (``recorded``, or ``unchanged`` for a repeat)."""

    order_id: str
    status: Literal["recorded", "unchanged"]
    model_config = ConfigDict(extra="allow")


class OrderRecord(BaseModel):
    """A committed order as the ledger holds it."""

    order_id: str
    order_status: str
    currency: str
    placed_at: str
    paid_at: str
    committed_at: str
    order: dict[str, Any]
    payment: dict[str, Any]
    decision: dict[str, Any]
    events: list[dict[str, Any]]
    refunds: list[dict[str, Any]]
    refunded_total: str


# --- handlers -----------------------------------------------------------------------------


def _status_of(body: dict[str, Any], status: str) -> int:
    if status in ("recorded", "unchanged"):
        return 200
    if status == "invalid":
        return 422
    if status == "failed":  # an unexpected failure (INTERNAL_ERROR): nothing of the order was kept
        return 500
    code = body.get("error", {}).get("code")
    if code == "UNKNOWN_ORDER":
        return 404
    return 409 if code in CONFLICT_CODES else 422


def _refusal(exc) -> JSONResponse:
    body = exc.body()
    return JSONResponse(body, status_code=_status_of(body, exc.status))


def _request_error(exc: ValidationError) -> JSONResponse:
    fields = [{"loc": ".".join(str(p) for p in e["loc"]) or "(body)", "msg": e["msg"].removeprefix("Value error, ")}
              for e in exc.errors(include_url=False)]
    return problem(422, "the request does not fit the API: " + "; ".join(f"{f['loc']}: {f['msg']}" for f in fields),
                   fields=fields)


router = APIRouter(tags=["ledger"], route_class=RawRoute)
_checkout = require(Role.CHECKOUT)
_reader = require(Role.FINANCE, Role.COMPLIANCE)


async def commit(request: Request) -> Response:
    await _checkout(request)
    found = services(request)
    body = await request.body()
    _register_secrets(body)
    result = await run_in_threadpool(_commit_one, found.ledger, body)
    if result.status == "recorded" and result.body.get("reason"):
        found.metrics.decision(result.body.get("scheme"), result.body["reason"])
    return JSONResponse(result.body, status_code=_status_of(result.body, result.status),
                        headers={"Location": f"/v1/orders/{quote(result.order_id, safe='')}"} if result.ok else None)


async def refund(request: Request, order_id: str) -> Response:
    await _checkout(request)
    try:
        asked = RefundRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        return _request_error(exc)
    try:
        result = await run_in_threadpool(
            services(request).ledger.refund, order_id, asked.refund_id, full=asked.full, amount=asked.amount,
            lines=asked.lines, at=asked.at)
    except LedgerError as exc:
        return _refusal(exc)
    return JSONResponse(result.body)


async def event(request: Request, order_id: str) -> Response:
    await _checkout(request)
    try:
        asked = EventRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        return _request_error(exc)
    try:
        result = await run_in_threadpool(services(request).ledger.event, order_id, asked.kind, asked.at)
    except LedgerError as exc:
        return _refusal(exc)
    return JSONResponse(result.body)


async def read(request: Request, order_id: str) -> Response:
    await _reader(request)
    record = await run_in_threadpool(order_record, services(request).ledger, order_id)
    if record is None:
        return JSONResponse({"order_id": order_id, "status": "refused", "error": {
            "code": "UNKNOWN_ORDER", "message": f"order {order_id} is not in the ledger"}}, status_code=404)
    return JSONResponse(record)


_refused = {"model": LedgerRefusal}
# An order the ledger does not hold (the ledger's refusal), or a path no route serves, such as
# an order id with a line break (the service's NOT_FOUND problem).
_not_found = {"model": LedgerRefusal | Problem, "description": "No such order in the ledger"}
_too_large = {413: {"model": Problem, "description": "Request body above 1 MiB"}}
_raw = {"response_class": Response}

router.add_api_route(
    "/v1/orders", commit, methods=["POST"], **_raw,
    summary="Commit a paid order (levy commit): quote, check the payment rules, record",
    responses={200: {"model": CommitResult, "description": "Recorded, or already recorded with this payload"},
               **REFUSALS, **_too_large,
               409: {**_refused, "description": "Another payload is committed under this order_id"},
               422: {"model": ErrorBody | LedgerRefusal,
                     "description": "The order does not fit the contract (INVALID_ORDER), or its payment breaks a payment rule"}},
    openapi_extra=secured(Role.CHECKOUT, requestBody={"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/PaidOrder"}}}}),
)
router.add_api_route(
    "/v1/orders/{order_id:path}/refunds", refund, methods=["POST"], **_raw,
    summary="Refund an order in full, by amount or by lines; split between net and VAT at the original rates",
    responses={200: {"model": LedgerResult, "description": "The refund as recorded"}, **REFUSALS, **_too_large,
               404: _not_found,
               409: {**_refused, "description": "This refund_id names another refund"},
               422: {"model": LedgerRefusal | Problem, "description": "A refund rule refused it, or the request does not fit"}},
    openapi_extra=secured(Role.CHECKOUT, requestBody={"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/RefundRequest"}}}}),
)
router.add_api_route(
    "/v1/orders/{order_id:path}/events", event, methods=["POST"], **_raw,
    summary="Record a life-cycle event: shipped, completed, dispute, closed",
    responses={200: {"model": LedgerResult, "description": "The event as recorded"}, **REFUSALS, **_too_large,
               404: _not_found,
               422: {"model": LedgerRefusal | Problem, "description": "A life-cycle rule refused it, or the request does not fit"}},
    openapi_extra=secured(Role.CHECKOUT, requestBody={"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/EventRequest"}}}}),
)
router.add_api_route(
    "/v1/orders/{order_id:path}", read, methods=["GET"], **_raw,
    summary="A committed order: payload, payment, decision, events and refunds",
    responses={200: {"model": OrderRecord, "description": "The order as the ledger holds it"}, **REFUSALS,
               404: _not_found},
    openapi_extra=secured(Role.FINANCE, Role.COMPLIANCE),
)


def extra_schemas() -> dict[str, Any]:
    """Schemas the raw-body routes refer to, for the OpenAPI document's components."""
    out = {}
    for model in (PaidOrder, RefundRequest, EventRequest):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    return out


def _register_secrets(body: bytes) -> None:
    """The buyer's VAT number and voucher id, for the log filter (best effort: the ledger does
    the validating)."""
    try:
        order = json.loads(body)
        buyer = order.get("buyer") or {}
        exemption = buyer.get("exemption") or {}
        ship_to = order.get("ship_to") or {}
        sensitive((buyer.get("id"), buyer.get("vat_number"), exemption.get("certificate_id"),
                   ship_to.get("postal_code")))
    except (ValueError, AttributeError, TypeError, RecursionError):
        pass


def _commit_one(ledger: Ledger, body: bytes):
    """Commit one order; a repeat answers the same object as the first commit."""
    [result] = list(ledger.commit([body], chunk_size=1))
    if result.status == "unchanged":
        first = commit_body(ledger, result.order_id)
        if first is not None:
            result.body = {**first, "status": "unchanged", "message": result.body.get("message")}
    return result


def _read(ledger: Ledger):
    """A read-only connection (SQLite: a deferred transaction that blocks no writer)."""
    return ledger.db.connect().execution_options(levy_read=True)


def commit_body(ledger: Ledger, order_id: str) -> dict[str, Any] | None:
    """The object ``levy commit`` printed when the order was recorded, rebuilt from the rows."""
    with _read(ledger) as conn:
        tenders = _tenders(conn, order_id)
        row = conn.execute(
            select(orders.c.minor_units, orders.c.payload, decisions.c.decision_json, payments.c.fee_minor,
                   payments.c.payable_minor, payments.c.amount_minor, payments.c.difference_minor,
                   payments.c.flags)
            .join(decisions, decisions.c.order_id == orders.c.order_id)
            .join(payments, payments.c.order_id == orders.c.order_id)
            .where(orders.c.order_id == order_id)
        ).one_or_none()
    if row is None:
        return None
    d = json.loads(row.decision_json)
    m = row.minor_units
    return {
        "order_id": order_id, "status": "recorded", "collect": d["collect"], "scheme": d["scheme"],
        "reason": d["reason"], "tax_country": d["tax_country"], "currency": d["currency"],
        "net_total": d["net_total"], "vat_total": d["vat_total"], "gross_total": d["gross_total"],
        # contract v1.1 (a decision recorded before it had no duties or fees)
        "duty_total": d.get("duty_total", str(from_minor(0, m))),
        "fee_total": d.get("fee_total", str(from_minor(0, m))),
        "landed_total": d.get("landed_total", d["gross_total"]),
        "fee": str(from_minor(row.fee_minor, m)), "amount_payable": str(from_minor(row.payable_minor, m)),
        "paid": str(from_minor(row.amount_minor, m)), "difference": str(from_minor(row.difference_minor, m)),
        "flags": [f for f in row.flags.split(",") if f],
        "platform": platform_of(row.payload), "tenders": tenders_from_rows(tenders, m),
    }


def _tenders(conn, order_id: str) -> list:
    return conn.execute(select(payment_tenders).where(payment_tenders.c.order_id == order_id)
                        .order_by(payment_tenders.c.position)).all()


def order_record(ledger: Ledger, order_id: str) -> dict[str, Any] | None:
    """A committed order with its payment, decision, events and refunds; None if unknown."""
    with _read(ledger) as conn:
        order = conn.execute(select(orders).where(orders.c.order_id == order_id)).one_or_none()
        if order is None:
            return None
        decision = conn.execute(select(decisions.c.decision_json).where(decisions.c.order_id == order_id)).scalar_one()
        pay = conn.execute(select(payments).where(payments.c.order_id == order_id)).one()
        tenders = _tenders(conn, order_id)
        logged = conn.execute(select(events).where(events.c.order_id == order_id).order_by(events.c.seq)).all()
        refund_rows = conn.execute(select(refunds.c.refund_id, refunds.c.amount_minor)
                                   .where(refunds.c.order_id == order_id)
                                   .order_by(refunds.c.at, refunds.c.refund_id)).all()
        refund_ids = [r.refund_id for r in refund_rows]
        # The refund objects are the ones POST .../refunds answered (the ledger's own rendering).
        refund_bodies = [{k: v for k, v in ledger._refund_body(conn, rid).items() if k != "status"}
                         for rid in refund_ids]
    m = order.minor_units
    payload = json.loads(order.payload)
    payload.pop("payment", None)

    def money(value: int | None) -> str | None:
        return None if value is None else str(from_minor(value, m))

    return {
        "order_id": order.order_id, "order_status": order.status, "currency": order.currency,
        "placed_at": order.placed_at.isoformat(), "paid_at": order.paid_at.isoformat(),
        "committed_at": order.committed_at.isoformat(),
        "order": payload,
        "payment": {
            "method": pay.method, "currency": pay.currency, "amount": money(pay.amount_minor),
            "fee": money(pay.fee_minor), "amount_payable": money(pay.payable_minor),
            "difference": money(pay.difference_minor), "accepted_at": pay.accepted_at.isoformat(),
            "flags": [f for f in pay.flags.split(",") if f],
            "tenders": tenders_from_rows(tenders, m),
        },
        "decision": json.loads(decision),
        "events": [{"seq": e.seq, "kind": e.kind, "at": e.at.isoformat(),
                    "details": json.loads(e.details) if e.details else None} for e in logged],
        "refunds": refund_bodies,
        "refunded_total": money(sum(r.amount_minor for r in refund_rows)),
    }


__all__ = ["commit_body", "extra_schemas", "order_record", "router"]
