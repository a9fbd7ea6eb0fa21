"""Payment rules (the platform's escrow payment rules, checked before an order is recorded).

Under IOSS the VAT becomes due when the platform accepts the buyer's payment (VAT Directive
Art. 66a; Implementing Regulation 282/2011 Art. 41a), so the ledger records an order only with a
payment the platform would accept. The rules below are the platform's own, transcribed from its
buyer help pages (payment methods, payment deadline, disputes) as quoted in issue 4, "The
ledger"; they are data, not code: a changed fee or limit is one edit in :data:`METHODS` or in the
constants, with no change to the checks.

Reading of the dates (the contract's ``placed_at`` versus the payment's ``accepted_at``):
``placed_at`` is when the buyer confirmed the order (its calendar date picks rates and FX for
the decision, as everywhere in Levy); ``payment.accepted_at`` is when the platform accepted the
payment. A payment accepted more than :data:`PAYMENT_WINDOW` after ``placed_at`` is refused: the
order was closed, and no VAT is due on it.

Amounts in USD (the tolerance, the PayPal cap, the card review limit) are compared after
converting at the ECB reference rate of ``accepted_at``'s calendar date (``EcbRates.conversion``,
the latest rate published on or before that day), exactly, without intermediate rounding.

References:
    Platform buyer help pages on payment methods, payment deadline and disputes (as quoted in
    issue 4). VAT Directive 2006/112/EC Art. 66a:
    https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:02006L0112-20220415

>>> METHODS["paypal"].fee(Decimal("68.13"), "USD")
Decimal('2.04')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from levy.errors import FieldError, NoFxRateError
from levy.fx import EcbRates
from levy.ledger.errors import PaymentRefused
from levy.models import Decision, Order
from levy.money import HUNDRED, ZERO, minor_units, quantize_minor

PAYMENT_WINDOW = timedelta(days=20)
"""The buyer must pay within 20 days of confirming the order; later, the order is closed
(platform help: payment deadline)."""

DISPUTE_OPENS_AFTER = timedelta(days=5)
"""A dispute can be opened from 5 days after the shipping date, never once the order is
completed (platform help: disputes)."""

TOLERANCE_USD = Decimal("1")
"""A payment within 1 USD (or its equivalent) of the amount payable is accepted and the
difference recorded; outside that it is refused (platform help: payment amount)."""

USD = "USD"


@dataclass(frozen=True, slots=True)
class PaymentMethod:
    """One payment method the platform accepts, with its fee and limits."""

    code: str
    """The value of ``payment.method`` in ``levy commit`` input."""
    label: str
    family: Literal["card", "wallet", "transfer"]
    fee_percent: Decimal = ZERO
    """Fee charged on the order amount (``gross_total``), shown as its own line, outside the VAT
    base."""
    currencies: frozenset[str] | None = None
    """Currencies the method accepts; ``None``: any."""
    max_usd: Decimal | None = None
    """Largest payment per order, in USD."""
    review_above_usd: Decimal | None = None
    """Payments above this (USD) need a manual review before they are accepted."""

    def fee(self, order_amount: Decimal, currency: str) -> Decimal:
        """The method's fee on an order amount, rounded half-up to the currency's minor unit."""
        if not self.fee_percent:
            return quantize_minor(ZERO, currency)
        return quantize_minor(order_amount * self.fee_percent / HUNDRED, currency)


_CARD_REVIEW_USD = Decimal("5000")
METHODS: dict[str, PaymentMethod] = {
    m.code: m
    for m in (
        PaymentMethod("visa", "Visa card", "card", review_above_usd=_CARD_REVIEW_USD),
        PaymentMethod("mastercard", "MasterCard card", "card", review_above_usd=_CARD_REVIEW_USD),
        PaymentMethod("maestro", "Maestro card", "card", review_above_usd=_CARD_REVIEW_USD),
        PaymentMethod(
            "paypal", "PayPal", "wallet", fee_percent=Decimal("2.99"),
            currencies=frozenset({"USD", "EUR", "GBP", "AUD", "CAD", "SGD"}),
            max_usd=Decimal("12000"),
        ),
        PaymentMethod("tt", "T/T bank transfer", "transfer"),
        PaymentMethod("western_union", "Western Union", "transfer"),
        PaymentMethod("alipay", "Alipay", "wallet"),
        PaymentMethod("qiwi", "QIWI", "wallet"),
        PaymentMethod("webmoney", "WebMoney", "wallet"),
        PaymentMethod("yandex", "Yandex", "wallet"),
        PaymentMethod("tef", "TEF (Transferencia Electronica de Fondos)", "transfer"),
    )
}
"""Every method the platform accepts, by ``payment.method`` code (platform help: payment
methods). Only PayPal charges a fee and has a currency list and a cap; cards above 5,000 USD
go to manual review."""


# --- input ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ManualReview:
    """Evidence that a card payment above the review limit was reviewed and approved."""

    reviewer: str
    approved_at: datetime


@dataclass(frozen=True, slots=True)
class Payment:
    """The ``payment`` object of a ``levy commit`` line."""

    method: str
    amount: Decimal
    currency: str
    accepted_at: datetime
    review: ManualReview | None = None

    @property
    def accepted_on(self) -> date:
        """``accepted_at``'s calendar date in the offset it carries: it picks the ECB rate."""
        return self.accepted_at.date()


_KEYS = {"method", "amount", "currency", "accepted_at", "review"}
_DECIMAL_TEXT = re.compile(r"\d+(\.\d+)?")


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


def parse_payment(raw: Any, order_currency: str | None) -> tuple[Payment | None, list[FieldError]]:
    """Validate a ``payment`` object; returns the payment or the offending fields.

    Args:
        raw: the JSON value of ``payment``.
        order_currency: the order's currency, when the order itself is valid (for the amount's
            number of decimals).

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
    method = raw.get("method")
    if method is None:
        errors.append(FieldError("payment.method", "is required"))
    elif method not in METHODS:
        errors.append(FieldError("payment.method", f"must be one of {', '.join(METHODS)}; got {method!r}"))
    currency = raw.get("currency")
    if currency is None:
        errors.append(FieldError("payment.currency", "is required"))
    elif not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        errors.append(FieldError("payment.currency", "must be an ISO 4217 currency code"))
    else:
        currency = currency.upper()
    amount = raw.get("amount")
    if amount is None:
        errors.append(FieldError("payment.amount", "is required"))
    elif not isinstance(amount, str):
        errors.append(FieldError("payment.amount", 'must be a decimal string such as "12.50", not a JSON number'))
    elif not _DECIMAL_TEXT.fullmatch(amount) or not Decimal(amount):
        errors.append(FieldError("payment.amount", "must be a decimal string > 0"))
    else:
        amount = Decimal(amount)
        if order_currency and -amount.as_tuple().exponent > minor_units(order_currency):
            errors.append(FieldError(
                "payment.amount", f"has more decimals than {order_currency} allows ({minor_units(order_currency)})"
            ))
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
    return Payment(method, amount, currency, accepted_at, review), []


# --- the rules --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentCheck:
    """What the payment rules established about an accepted payment (stored with the order)."""

    method: PaymentMethod
    fee: Decimal
    """The method's fee, its own line, outside the VAT base."""
    payable: Decimal
    """``landed_total`` (goods, VAT, duties and fees the decision charges) plus the fee."""
    paid: Decimal
    difference: Decimal
    """``paid - payable``, within the 1 USD tolerance; recorded."""
    usd_per_unit: Decimal | None
    """ECB cross rate used for the USD rules (USD per unit of the order currency)."""
    fx_on: date | None
    fx_source: str | None
    flags: tuple[str, ...] = field(default=())
    """``CARD_MANUAL_REVIEW`` when a reviewed card payment above the limit was accepted."""


def _money(amount: Decimal, currency: str) -> str:
    return f"{quantize_minor(amount, currency)} {currency}"


def _usd(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'), ROUND_HALF_UP)} USD"


def check_payment(order: Order, decision: Decision, payment: Payment, fx: EcbRates) -> PaymentCheck:
    """Apply the platform's payment rules to one paid order.

    Args:
        order: the validated order.
        decision: the engine's decision for it (``landed_total`` is what the buyer owes).
        payment: the validated payment.
        fx: the ECB history (USD conversions on ``accepted_at``'s date).

    Returns:
        The fee, the amount payable, the recorded difference and the FX used.

    Raises:
        PaymentRefused: naming the order, the rule and the two amounts or dates.
    """
    oid, cur = order.order_id, order.currency
    method = METHODS[payment.method]
    if order.channel == "offline":
        raise PaymentRefused(
            oid, "OFFLINE_ORDER",
            f"order {oid}: channel is offline, paid outside the platform; the ledger records "
            "only payments the platform accepts into escrow",
            rule="offline orders are never paid through the platform",
        )
    elapsed = payment.accepted_at - order.placed_at
    if elapsed < timedelta(0):
        raise PaymentRefused(
            oid, "PAYMENT_BEFORE_ORDER",
            f"order {oid}: payment accepted at {payment.accepted_at.isoformat()} is before the "
            f"order was confirmed at {order.placed_at.isoformat()}",
            rule="a payment follows the order's confirmation",
            placed_at=order.placed_at.isoformat(), accepted_at=payment.accepted_at.isoformat(),
        )
    if elapsed > PAYMENT_WINDOW:
        raise PaymentRefused(
            oid, "PAYMENT_WINDOW_CLOSED",
            f"order {oid}: payment accepted at {payment.accepted_at.isoformat()}, {_span(elapsed)} "
            f"after the order was confirmed at {order.placed_at.isoformat()}: the buyer must pay "
            f"within {PAYMENT_WINDOW.days} days, so the order was closed, the payment is refused "
            "and no VAT is due",
            rule=f"payment within {PAYMENT_WINDOW.days} days of confirming the order",
            placed_at=order.placed_at.isoformat(), accepted_at=payment.accepted_at.isoformat(),
        )
    if payment.currency != cur:
        raise PaymentRefused(
            oid, "PAYMENT_CURRENCY_MISMATCH",
            f"order {oid}: paid in {payment.currency} but the order (and the amount payable) is in {cur}",
            rule="the payment is made in the order's currency",
            order_currency=cur, payment_currency=payment.currency,
        )
    if method.currencies is not None and cur not in method.currencies:
        raise PaymentRefused(
            oid, "PAYPAL_CURRENCY_NOT_SUPPORTED" if method.code == "paypal" else "METHOD_CURRENCY_NOT_SUPPORTED",
            f"order {oid}: {method.label} does not accept {cur}; it accepts "
            f"{', '.join(sorted(method.currencies))} only",
            rule=f"{method.label} currencies: {', '.join(sorted(method.currencies))}",
            currency=cur,
        )

    # Contract v1.1: the buyer pays ``landed_total`` (gross_total + duties + the law's fees).
    fee = method.fee(decision.landed_total, cur)
    payable = decision.landed_total + fee
    paid = payment.amount
    difference = paid - payable
    usd_per_unit = fx_on = fx_source = None
    needs_usd = difference != 0 or method.max_usd is not None or method.review_above_usd is not None
    if needs_usd:
        try:
            conv = fx.conversion(cur, USD, payment.accepted_on)
        except NoFxRateError:
            raise PaymentRefused(
                oid, "FX_RATE_UNAVAILABLE",
                f"order {oid}: the ECB publishes no {cur} rate on or before {payment.accepted_on}, "
                f"so the USD limits of the payment rules cannot be applied (paid {_money(paid, cur)}, "
                f"payable {_money(payable, cur)})",
                rule="USD limits are converted at the ECB rate of the payment date",
                currency=cur,
            ) from None
        usd_per_unit, fx_on, fx_source = conv.factor, conv.on, conv.source
    amounts = {"currency": cur, "amount_payable": str(payable), "paid": str(paid), "fee": str(fee)}

    if difference and abs(difference) * usd_per_unit > TOLERANCE_USD:
        raise PaymentRefused(
            oid, "PAYMENT_AMOUNT_MISMATCH",
            f"order {oid}: paid {_money(paid, cur)} but the amount payable is {_money(payable, cur)} "
            f"(landed total {_money(decision.landed_total, cur)} + {method.label} fee {_money(fee, cur)}); "
            f"the difference {difference:+} {cur}"
            + ("" if cur == USD else f" ({_usd(abs(difference) * usd_per_unit)} at the ECB rate of {fx_on})")
            + f" is more than the {TOLERANCE_USD} USD tolerance",
            rule=f"payment within {TOLERANCE_USD} USD (or its equivalent) of the amount payable",
            difference=str(difference), **amounts,
        )
    paid_usd = paid * usd_per_unit if usd_per_unit is not None else None
    if method.max_usd is not None and paid_usd > method.max_usd:
        raise PaymentRefused(
            oid, "PAYPAL_LIMIT_EXCEEDED" if method.code == "paypal" else "METHOD_LIMIT_EXCEEDED",
            f"order {oid}: {method.label} payment of {_money(paid, cur)} ({_usd(paid_usd)} at the ECB "
            f"rate of {fx_on}) is above the {method.label} limit of {method.max_usd:,} USD per order",
            rule=f"{method.label}: at most {method.max_usd:,} USD per order",
            paid_usd=str(paid_usd.quantize(Decimal("0.01"), ROUND_HALF_UP)), **amounts,
        )
    flags: tuple[str, ...] = ()
    if method.review_above_usd is not None and paid_usd > method.review_above_usd:
        review = payment.review
        rule = f"card payments above {method.review_above_usd:,} USD are reviewed before acceptance"
        if review is None:
            raise PaymentRefused(
                oid, "CARD_REVIEW_REQUIRED",
                f"order {oid}: {method.label} payment of {_money(paid, cur)} ({_usd(paid_usd)}) is above "
                f"{method.review_above_usd:,} USD and needs a manual review before acceptance; "
                "send payment.review {reviewer, approved_at} once approved",
                rule=rule, paid_usd=str(paid_usd.quantize(Decimal("0.01"), ROUND_HALF_UP)), **amounts,
            )
        if not order.placed_at <= review.approved_at <= payment.accepted_at:
            raise PaymentRefused(
                oid, "CARD_REVIEW_REQUIRED",
                f"order {oid}: the manual review was approved at {review.approved_at.isoformat()}, "
                f"not between the order's confirmation ({order.placed_at.isoformat()}) and the "
                f"payment's acceptance ({payment.accepted_at.isoformat()})",
                rule=rule, **amounts,
            )
        flags = ("CARD_MANUAL_REVIEW",)
    return PaymentCheck(method, fee, payable, paid, difference, usd_per_unit, fx_on, fx_source, flags)


def _span(delta: timedelta) -> str:
    days, seconds = delta.days, delta.seconds
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    parts = [f"{days} days"]
    if hours or minutes:
        parts.append(f"{hours} h {minutes:02d} min")
    return " ".join(parts)


__all__ = [
    "DISPUTE_OPENS_AFTER",
    "METHODS",
    "PAYMENT_WINDOW",
    "TOLERANCE_USD",
    "ManualReview",
    "Payment",
    "PaymentCheck",
    "PaymentMethod",
    "check_payment",
    "parse_payment",
]
