"""The ``payment`` object of ``levy commit`` (one method, or a list of tenders), validated.

Two shapes, the first kept from contract v1::

    {"method": "visa", "amount": "68.13", "currency": "USD", "accepted_at": "...+01:00"}
    {"currency": "USD", "accepted_at": "...+01:00", "tenders": [
        {"method": "gift_certificate", "amount": "20.00", "certificate_id": "GC-1"},
        {"method": "visa", "amount": "48.13"}]}

A tender may carry ``operator`` (``mobile``: ``megafon``, ``beeline``, ``tele2``, ``mts``),
``certificate_id`` (``gift_certificate``), and ``currency`` with ``rate`` (a method paid in
another currency at the platform's rate of the day, e.g. AliExpress cash at the post office in
RUB: ``rate`` is RUB per one unit of the order's currency). Which methods a platform accepts,
and their limits, are the rules of :mod:`levy.ledger.payments`; this module checks the shape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from levy import currencies
from levy.errors import FieldError
from levy.money import minor_units

@dataclass(frozen=True, slots=True)
class ManualReview:
    """Evidence that a card payment above the review limit was reviewed and approved."""

    reviewer: str
    approved_at: datetime


@dataclass(frozen=True, slots=True)
class Tender:
    """One part of a payment: a method and the amount it paid."""

    method: str
    amount: Decimal
    """In ``currency``."""
    currency: str
    operator: str | None = None
    """For ``mobile``: the operator whose commission is the fee."""
    certificate_id: str | None = None
    """For ``gift_certificate``: the certificate's number."""
    rate: Decimal | None = None
    """For a ``day_rate`` method paid in another currency: units of ``currency`` per one unit of
    the order's currency, the platform's rate of the day."""


@dataclass(frozen=True, slots=True)
class Payment:
    """The ``payment`` object of a ``levy commit`` line, as tenders."""

    tenders: tuple[Tender, ...]
    currency: str
    accepted_at: datetime
    review: ManualReview | None = None

    @property
    def method(self) -> str:
        """The method paying beside the gift certificates (or ``gift_certificate`` alone)."""
        others = [t.method for t in self.tenders if t.method != "gift_certificate"]
        return others[0] if others else self.tenders[0].method

    @property
    def accepted_on(self) -> date:
        """``accepted_at``'s calendar date in the offset it carries: it picks the ECB rate."""
        return self.accepted_at.date()


_KEYS = {"method", "amount", "currency", "accepted_at", "review", "operator", "certificate_id", "tenders"}
_TENDER_KEYS = {"method", "amount", "currency", "operator", "certificate_id", "rate"}
_DECIMAL_TEXT = re.compile(r"\d+(\.\d+)?")
_CODE = re.compile(r"[a-z0-9_]{1,32}")
MAX_TENDERS = 10


def _aware(value: Any, loc: str, errors: list[FieldError]) -> datetime | None:
    if not isinstance(value, str):
        errors.append(FieldError(loc, "must be an ISO 8601 date-time with its UTC offset"))
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        errors.append(FieldError(loc, "must be an ISO 8601 date-time with its UTC offset"))
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        errors.append(FieldError(loc, "must carry its UTC offset (e.g. +01:00)"))
        return None
    return parsed


def _currency(value: Any, loc: str, errors: list[FieldError]) -> str | None:
    if value is None:
        errors.append(FieldError(loc, "is required"))
    elif not isinstance(value, str) or len(value) != 3 or not value.isalpha():
        errors.append(FieldError(loc, "must be an ISO 4217 currency code"))
    else:
        return value.upper()
    return None


def _digits(currency: str | None) -> int | None:
    if currency is None or not currencies.is_known(currency):
        return None
    return minor_units(currency)


def _decimal(value: Any, loc: str, errors: list[FieldError], currency: str | None) -> Decimal | None:
    if value is None:
        errors.append(FieldError(loc, "is required"))
    elif not isinstance(value, str):
        errors.append(FieldError(loc, 'must be a decimal string such as "12.50", not a JSON number'))
    elif not _DECIMAL_TEXT.fullmatch(value) or not Decimal(value):
        errors.append(FieldError(loc, "must be a decimal string > 0"))
    else:
        amount = Decimal(value)
        digits = _digits(currency)
        if digits is not None and -amount.as_tuple().exponent > digits:
            errors.append(FieldError(loc, f"has more decimals than {currency} allows ({digits})"))
            return None
        return amount
    return None


def _text(value: Any, loc: str, errors: list[FieldError]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= 64 or not value.isprintable():
        errors.append(FieldError(loc, "must be 1 to 64 printable characters"))
        return None
    return value


def _tender(raw: Mapping, loc: str, currency: str | None, order_currency: str | None,
            known: tuple[str, ...], errors: list[FieldError]) -> Tender | None:
    before = len(errors)
    method = raw.get("method")
    if method is None:
        errors.append(FieldError(f"{loc}.method", "is required"))
    elif method not in known:
        errors.append(FieldError(f"{loc}.method", f"must be one of {', '.join(known)}; got {method!r}"))
    if "currency" in raw:
        currency = _currency(raw["currency"], f"{loc}.currency", errors)
    # Decimals: in the tender's own currency, else the order's once the order is known valid.
    checked = currency if "currency" in raw else order_currency
    amount = _decimal(raw.get("amount"), f"{loc}.amount", errors, checked)
    operator = raw.get("operator")
    if operator is not None and (not isinstance(operator, str) or not _CODE.fullmatch(operator)):
        errors.append(FieldError(f"{loc}.operator", "must be an operator code such as megafon"))
    certificate_id = _text(raw.get("certificate_id"), f"{loc}.certificate_id", errors)
    rate = None
    if raw.get("rate") is not None:
        rate = _decimal(raw["rate"], f"{loc}.rate", errors, None)
    if len(errors) > before or currency is None:
        return None
    return Tender(method, amount, currency, operator, certificate_id, rate)


def parse_payment(
    raw: Any, order_currency: str | None, known: tuple[str, ...] = (),
) -> tuple[Payment | None, list[FieldError]]:
    """Validate a ``payment`` object (one method, or ``tenders``); returns it or the offending fields.

    Args:
        raw: the JSON value of ``payment``.
        order_currency: the order's currency, when the order itself is valid (for the amounts'
            number of decimals).
        known: every method code some platform accepts (the platform's own list is a rule).

    Returns:
        ``(payment, [])`` or ``(None, errors)`` with ``payment.*`` locations.
    """
    errors: list[FieldError] = []
    if raw is None:
        return None, [FieldError("payment", "is required: the ledger records paid orders only")]
    if not isinstance(raw, Mapping):
        return None, [FieldError("payment", "must be a JSON object")]
    for key in sorted(set(raw) - _KEYS):
        errors.append(FieldError(f"payment.{key}", "is not a field of the payment object"))
    currency = _currency(raw.get("currency"), "payment.currency", errors)
    tenders: list[Tender | None] = []
    if "tenders" in raw:
        for key in sorted({"method", "amount", "operator", "certificate_id"} & set(raw)):
            errors.append(FieldError(f"payment.{key}", "belongs inside payment.tenders[] when tenders are sent"))
        listed = raw["tenders"]
        if not isinstance(listed, list) or not 1 <= len(listed) <= MAX_TENDERS:
            errors.append(FieldError("payment.tenders", f"must be a JSON array of 1 to {MAX_TENDERS} tenders"))
            listed = []
        for i, item in enumerate(listed):
            if not isinstance(item, Mapping):
                errors.append(FieldError(f"payment.tenders.{i}", "must be a JSON object"))
                continue
            for key in sorted(set(item) - _TENDER_KEYS):
                errors.append(FieldError(f"payment.tenders.{i}.{key}", "is not a field of a tender"))
            tenders.append(_tender(item, f"payment.tenders.{i}", currency, order_currency, known, errors))
    else:
        single = {k: raw[k] for k in ("method", "amount", "operator", "certificate_id") if k in raw}
        tenders.append(_tender(single, "payment", currency, order_currency, known, errors))
    accepted_at = None
    if raw.get("accepted_at") is None:
        errors.append(FieldError("payment.accepted_at", "is required"))
    else:
        accepted_at = _aware(raw["accepted_at"], "payment.accepted_at", errors)
    review = None
    if raw.get("review") is not None:
        value = raw["review"]
        if not isinstance(value, Mapping):
            errors.append(FieldError("payment.review", "must be a JSON object"))
        else:
            for key in sorted(set(value) - {"reviewer", "approved_at"}):
                errors.append(FieldError(f"payment.review.{key}", "is not a field of the review object"))
            reviewer = value.get("reviewer")
            if not isinstance(reviewer, str) or not 1 <= len(reviewer) <= 64:
                errors.append(FieldError("payment.review.reviewer", "must be 1 to 64 characters"))
            approved = _aware(value.get("approved_at"), "payment.review.approved_at", errors)
            if approved is not None and isinstance(reviewer, str):
                review = ManualReview(reviewer, approved)
    if errors:
        return None, errors
    return Payment(tuple(tenders), currency, accepted_at, review), []


_MONEY = {"type": "string", "pattern": r"^\d+(\.\d+)?$", "examples": ["48.13"]}
_TENDER = {
    "type": "object", "required": ["method", "amount"], "additionalProperties": False,
    "properties": {
        "method": {"type": "string", "examples": ["visa", "gift_certificate", "mobile", "cash_post"]},
        "amount": _MONEY,
        "operator": {"type": "string", "description": "mobile: megafon, beeline, tele2 (mts: no stated commission)"},
        "certificate_id": {"type": "string", "maxLength": 64},
        "currency": {"type": "string", "pattern": "^[A-Za-z]{3}$",
                     "description": "when paid in another currency than the order's (with rate)"},
        "rate": {**_MONEY, "description": "units of currency per one unit of the order's currency, the "
                                           "platform's rate of the day"},
    },
}
PAYMENT_JSON_SCHEMA = {
    "type": "object", "required": ["currency", "accepted_at"],
    "description": "One method (method, amount) or tenders: gift certificates plus at most one other "
                   "method. The order's platform (alibaba.com or aliexpress) decides which methods, fees "
                   "and limits apply.",
    "properties": {
        "method": _TENDER["properties"]["method"], "amount": _MONEY,
        "operator": _TENDER["properties"]["operator"],
        "certificate_id": _TENDER["properties"]["certificate_id"],
        "currency": {"type": "string", "pattern": "^[A-Za-z]{3}$"},
        "accepted_at": {"type": "string", "format": "date-time"},
        "review": {"type": "object", "properties": {"reviewer": {"type": "string"},
                                                    "approved_at": {"type": "string", "format": "date-time"}}},
        "tenders": {"type": "array", "minItems": 1, "maxItems": MAX_TENDERS, "items": _TENDER},
    },
}
"""The ``payment`` object's JSON schema (OpenAPI of ``POST /v1/orders``)."""


__all__ = ["MAX_TENDERS", "PAYMENT_JSON_SCHEMA", "ManualReview", "Payment", "Tender", "parse_payment"]
