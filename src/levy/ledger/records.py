"""What the ledger hands back and how it writes JSON (value types, no database access).

:class:`Result` is one line of ``levy commit | event | refund`` output, :class:`TotalsRow` one row
of ``levy totals``, :class:`ReplayResult` a stored decision beside its replay; :class:`PaidOrder`
is a line of ``levy commit`` (an order of the contract plus its payment). :func:`canonical_json`
is the one text form the ledger stores and hashes (idempotence on ``order_id`` and ``refund_id``
compares SHA-256 digests of it).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

import orjson
from pydantic import WithJsonSchema

from levy.errors import InvalidOrder, internal_error_body
from levy.ledger.errors import LedgerError
from levy.ledger.tenders import PAYMENT_JSON_SCHEMA
from levy.models import Order


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 as is: equal JSON values give equal text.

    orjson writes exactly this form ten times faster than the standard library; values it cannot
    encode (integers beyond 64 bits) fall back to the standard library's identical form.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def loads_json(item: bytes | str) -> Any:
    """Parse one JSON line (orjson; the standard library for what it refuses, e.g. huge ints)."""
    try:
        return orjson.loads(item)
    except orjson.JSONDecodeError:
        return json.loads(item)


def sha256_hex(text_: str) -> str:
    """The SHA-256 of ``text_`` (UTF-8), in hex: the digest stored beside a payload."""
    return hashlib.sha256(text_.encode("utf-8")).hexdigest()



@dataclass(slots=True)
class Result:
    """One line of command output: ``status`` is ``recorded``, ``unchanged``, ``refused`` or
    ``invalid``; ``body`` is the JSON object printed."""

    order_id: str | None
    status: str
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status in ("recorded", "unchanged")

    @classmethod
    def refused(cls, exc: LedgerError) -> Result:
        return cls(exc.order_id, exc.status, exc.body())

    @classmethod
    def invalid(cls, exc: InvalidOrder) -> Result:
        return cls(exc.order_id, "invalid", {**exc.body(), "status": "invalid"})

    @classmethod
    def internal(cls, order_id: str | None, exc: BaseException) -> Result:
        """An order that failed unexpectedly (a bug): not recorded, the other orders are."""
        return cls(order_id, "failed", {**internal_error_body(order_id, exc), "status": "failed"})



@dataclass(slots=True)
class TotalsRow:
    """What the ledger holds for one (tax country, scheme, currency)."""

    tax_country: str | None
    scheme: str | None
    currency: str
    orders: int
    net: Decimal
    vat: Decimal
    gross: Decimal
    fees: Decimal
    paid: Decimal
    refunded: Decimal
    refunded_net: Decimal
    refunded_vat: Decimal

    @property
    def vat_collected(self) -> Decimal:
        """VAT charged minus VAT refunded."""
        return self.vat - self.refunded_vat

    @property
    def net_collected(self) -> Decimal:
        return self.net - self.refunded_net

    def as_dict(self) -> dict[str, Any]:
        return {
            "tax_country": self.tax_country, "scheme": self.scheme, "currency": self.currency,
            "orders": self.orders, "net": str(self.net), "vat": str(self.vat), "gross": str(self.gross),
            "fees": str(self.fees), "paid": str(self.paid), "refunded": str(self.refunded),
            "refunded_net": str(self.refunded_net), "refunded_vat": str(self.refunded_vat),
            "net_collected": str(self.net_collected), "vat_collected": str(self.vat_collected),
        }


@dataclass(slots=True)
class ReplayResult:
    """Stored and replayed decision side by side."""

    order_id: str
    differences: list[dict[str, Any]]
    stored_versions: dict[str, str]
    replayed_versions: dict[str, str]
    ledger_rows_agree: bool
    problems: list[str] = field(default_factory=list)

    @property
    def agree(self) -> bool:
        return not self.differences and self.ledger_rows_agree

    def body(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id, "agree": self.agree,
            "stored": self.stored_versions, "replayed": self.replayed_versions,
            "differences": self.differences, "ledger_rows_agree": self.ledger_rows_agree,
            "problems": self.problems,
        }


class PaidOrder(Order):
    """A line of ``levy commit``: an order of the contract plus its ``payment`` object (checked
    by :func:`levy.ledger.payments.parse_payment`, which names its fields)."""

    payment: Annotated[Any, WithJsonSchema(PAYMENT_JSON_SCHEMA)] = None


__all__ = ["PaidOrder", "ReplayResult", "Result", "TotalsRow", "canonical_json", "loads_json", "sha256_hex"]
