"""Payment rules (the platform's escrow payment rules, checked before an order is recorded).

Under IOSS the VAT becomes due when the platform accepts the buyer's payment (VAT Directive
Art. 66a; Implementing Regulation 282/2011 Art. 41a), so the ledger records an order only with a
payment the platform would accept. The rules are each platform's own, transcribed from its buyer
help pages into ``rates/platforms/<platform>.csv`` (:mod:`levy.ledger.platforms`); the order's
``platform`` (default ``alibaba.com``) picks the file, ``payment.accepted_at``'s date the rows.

Reading of the dates (the contract's ``placed_at`` versus the payment's ``accepted_at``):
``placed_at`` is when the buyer confirmed the order (its calendar date picks rates and FX for
the decision, as everywhere in Levy); ``payment.accepted_at`` is when the platform accepted the
payment. A payment accepted more than the platform's ``payment_days`` after ``placed_at`` is
refused: the order was closed, and no VAT is due on it.

The payment is one method (``{"method", "amount", "currency", "accepted_at"}``) or a list of
tenders (``{"currency", "accepted_at", "tenders": [{"method", "amount", ...}, ...]}``): any
number of platform gift certificates (``gift_certificate``, a multi-purpose voucher: VAT
Directive Art. 30a-30b and 73a, it pays and changes neither the taxable amount nor the VAT) and
at most one other method, which pays the rest and carries that rest's fee. A method flagged
``sole`` (AliExpress bank transfer) pays the whole order alone.

Amounts in USD (the tolerance, the limits, the card review) are compared after converting at
the ECB reference rate of ``accepted_at``'s calendar date (``EcbRates.conversion``, the latest
rate published on or before that day), exactly, without intermediate rounding.

References:
    Platform help pages cited row by row in ``rates/platforms/``. VAT Directive 2006/112/EC
    Art. 30a, 30b, 66a, 73a:
    https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:02006L0112-20220415

>>> terms = default_book().terms("alibaba.com", date(2026, 11, 2))
>>> terms.methods["paypal"].fee(Decimal("68.13"), "USD")
Decimal('2.04')
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from levy.errors import NoFxRateError
from levy.fx import EcbRates
from levy.ledger.amounts import from_minor, to_minor
from levy.ledger.errors import PaymentRefused
from levy.ledger.platforms import DEFAULT_PLATFORM, PaymentMethod, PlatformBook, Terms
from levy.ledger.tenders import ManualReview, Payment, Tender, parse_payment as _parse_payment
from levy.models import Decision, Order
from levy.money import ZERO, quantize_minor

USD = "USD"
VOUCHER = "voucher"
"""The flag of a gift certificate method."""


@lru_cache(maxsize=1)
def default_book() -> PlatformBook:
    """The platform rules of the default rates directory, loaded once."""
    return PlatformBook()


def __getattr__(name: str) -> Any:
    """Today's alibaba.com rules under their former names (``METHODS``, ``PAYMENT_WINDOW``,
    ``DISPUTE_OPENS_AFTER``, ``TOLERANCE_USD``), read from the data on first use."""
    legacy = {"METHODS": "methods", "PAYMENT_WINDOW": "payment_window",
              "DISPUTE_OPENS_AFTER": "dispute_opens_after", "TOLERANCE_USD": "tolerance_usd"}
    if name in legacy:
        return getattr(default_book().terms(DEFAULT_PLATFORM, date.today()), legacy[name])
    raise AttributeError(name)


# --- the rules --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TenderCheck:
    """One accepted tender: what it paid in the order's currency, and its fee."""

    tender: Tender
    method: PaymentMethod
    value: Decimal
    """What it paid, in the order's currency (converted at ``tender.rate`` when paid in another)."""
    fee: Decimal


@dataclass(frozen=True, slots=True)
class PaymentCheck:
    """What the payment rules established about an accepted payment (stored with the order)."""

    method: PaymentMethod
    """The method paying beside any gift certificates (or the certificate alone)."""
    fee: Decimal
    """The method's fee, its own line, outside the VAT base."""
    payable: Decimal
    """``landed_total`` (goods, VAT, duties and fees the decision charges) plus the fee."""
    paid: Decimal
    difference: Decimal
    """``paid - payable``, within the platform's USD tolerance; recorded."""
    usd_per_unit: Decimal | None
    """ECB cross rate used for the USD rules (USD per unit of the order currency)."""
    fx_on: date | None
    fx_source: str | None
    flags: tuple[str, ...] = field(default=())
    """``CARD_MANUAL_REVIEW`` when a reviewed card payment above the limit was accepted."""
    tenders: tuple[TenderCheck, ...] = ()
    platform: str = DEFAULT_PLATFORM


def _money(amount: Decimal, currency: str) -> str:
    return f"{quantize_minor(amount, currency)} {currency}"


def _also_usd(amount: Decimal, currency: str) -> str:
    return "" if currency == USD else f" ({_usd(amount)})"


def _usd(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'), ROUND_HALF_UP)} USD"


class _Refusals:
    """Builds refusals that name the order, the rule and the platform."""

    def __init__(self, order_id: str, platform: str) -> None:
        self.order_id, self.platform = order_id, platform

    def __call__(self, code: str, what: str, rule: str, **details) -> PaymentRefused:
        return PaymentRefused(
            self.order_id, code, f"order {self.order_id} ({self.platform}): {what}",
            rule=rule, platform=self.platform, **details,
        )


def terms_for(order: Order, on: date, book: PlatformBook | None = None) -> Terms:
    """The rules of the order's platform in force on ``on``.

    Raises:
        PaymentRefused: ``PLATFORM_RULES_NOT_IN_FORCE`` when no row covers that day.
    """
    terms = (book or default_book()).terms(order.platform, on)
    if terms is None:
        raise _Refusals(order.order_id, order.platform)(
            "PLATFORM_RULES_NOT_IN_FORCE", f"no payment rules of {order.platform} are in force on {on}",
            "rules apply from their valid_from in rates/platforms/", on=on.isoformat())
    return terms


def _tenders(order: Order, payment: Payment, terms: Terms, refuse: _Refusals) -> list[TenderCheck]:
    """Each tender's method and value in the order's currency (fees come later)."""
    cur, checks = order.currency, []
    for n, tender in enumerate(payment.tenders):
        method = terms.methods.get(tender.method)
        if method is None:
            raise refuse("METHOD_NOT_ACCEPTED", f"{terms.platform} does not accept {tender.method!r}; "
                         f"it accepts {', '.join(terms.methods)}", "accepted payment methods",
                         method=tender.method)
        if tender.currency != cur:
            if "day_rate" not in method.flags or tender.rate is None:
                raise refuse(
                    "PAYMENT_CURRENCY_MISMATCH",
                    f"paid in {tender.currency} but the order (and the amount payable) is in {cur}"
                    + ("; send the platform's rate of the day as the tender's rate" if "day_rate" in method.flags else ""),
                    "the payment is made in the order's currency", order_currency=cur,
                    payment_currency=tender.currency)
        if method.currencies is not None and tender.currency not in method.currencies:
            raise refuse(
                "PAYPAL_CURRENCY_NOT_SUPPORTED" if method.code == "paypal" else "METHOD_CURRENCY_NOT_SUPPORTED",
                f"{method.label} does not accept {tender.currency}; it pays in "
                f"{', '.join(sorted(method.currencies))} only",
                f"{method.label} currencies: {', '.join(sorted(method.currencies))}", currency=tender.currency)
        if "sole" in method.flags and len(payment.tenders) > 1:
            raise refuse("SOLE_PAYMENT_REQUIRED", f"{method.label} pays an order in one payment, alone; "
                         f"got {len(payment.tenders)} tenders",
                         f"{method.label}: one payment per order, no splitting, no combining")
        if VOUCHER not in method.flags and any(VOUCHER not in c.method.flags for c in checks):
            raise refuse("TENDERS_COMBINATION", "a payment is gift certificates plus at most one other "
                         "method", "gift certificates and one other method per order", tender=n)
        value = tender.amount if tender.currency == cur else quantize_minor(tender.amount / tender.rate, cur)
        checks.append(TenderCheck(tender, method, value, quantize_minor(ZERO, cur)))
    return checks


def check_payment(order: Order, decision: Decision, payment: Payment, fx: EcbRates,
                  book: PlatformBook | None = None) -> PaymentCheck:
    """Apply the order's platform's payment rules to one paid order.

    Args:
        order: the validated order (``order.platform`` picks the rules).
        decision: the engine's decision for it (``landed_total`` is what the buyer owes).
        payment: the validated payment.
        fx: the ECB history (USD conversions on ``accepted_at``'s date).
        book: the platform rules (default: the packaged ``rates/platforms``).

    Returns:
        The fee, the amount payable, the recorded difference, each tender's part and the FX used.

    Raises:
        PaymentRefused: naming the order, the platform, the rule and the amounts or dates.
    """
    oid, cur = order.order_id, order.currency
    refuse = _Refusals(oid, order.platform)
    if order.channel == "offline":
        raise refuse(
            "OFFLINE_ORDER", "channel is offline, paid outside the platform; the ledger records "
            "only payments the platform accepts into escrow", "offline orders are never paid through the platform")
    elapsed = payment.accepted_at - order.placed_at
    if elapsed < timedelta(0):
        raise refuse(
            "PAYMENT_BEFORE_ORDER", f"payment accepted at {payment.accepted_at.isoformat()} is before the "
            f"order was confirmed at {order.placed_at.isoformat()}", "a payment follows the order's confirmation",
            placed_at=order.placed_at.isoformat(), accepted_at=payment.accepted_at.isoformat())
    terms = terms_for(order, payment.accepted_on, book)
    window = terms.payment_window
    if elapsed > window:
        raise refuse(
            "PAYMENT_WINDOW_CLOSED",
            f"payment accepted at {payment.accepted_at.isoformat()}, {_span(elapsed)} after the order "
            f"was confirmed at {order.placed_at.isoformat()}: the buyer must pay within {window.days} days, "
            "so the order was closed, the payment is refused and no VAT is due",
            f"payment within {window.days} days of confirming the order",
            placed_at=order.placed_at.isoformat(), accepted_at=payment.accepted_at.isoformat())
    checks = _tenders(order, payment, terms, refuse)

    # Contract v1.1: the buyer pays ``landed_total`` (gross_total + duties + the law's fees).
    gross = decision.landed_total
    vouchers = [c for c in checks if VOUCHER in c.method.flags]
    other = next((c for c in checks if VOUCHER not in c.method.flags), None)
    covered = sum((c.value for c in vouchers), ZERO)
    if covered > gross:
        raise refuse("GIFT_CERTIFICATE_EXCEEDS_AMOUNT", f"gift certificates of {_money(covered, cur)} exceed "
                     f"the landed total {_money(gross, cur)}", "gift certificates pay at most the order",
                     gift_certificates=str(covered), landed_total=str(gross))
    fee = quantize_minor(ZERO, cur)
    if other is not None:
        percent = other.method.fee_percent
        if "operator" in other.method.flags:
            operator = other.tender.operator
            if operator not in terms.operators:
                raise refuse(
                    "MOBILE_OPERATOR_FEE_UNKNOWN",
                    f"{other.method.label} through {operator or 'no operator'}: {terms.platform} states no "
                    f"commission for it (stated: {', '.join(terms.operators)}), so the amount payable "
                    "cannot be set", "mobile payment: the operator's stated commission is the fee",
                    operator=operator)
            percent = terms.operators[operator]
        fee = other.method.fee(gross - covered, cur, percent)
        checks[checks.index(other)] = TenderCheck(other.tender, other.method, other.value, fee)
    main = other or vouchers[0]
    method = main.method
    payable = gross + fee
    paid = sum((c.value for c in checks), ZERO)
    difference = paid - payable
    usd_per_unit = fx_on = fx_source = None
    limited = any(v is not None for v in (method.min_usd, method.max_usd, method.review_above_usd))
    if difference or limited:  # an exact payment without USD limits needs no rate
        try:
            conv = fx.conversion(cur, USD, payment.accepted_on)
        except NoFxRateError:
            raise refuse(
                "FX_RATE_UNAVAILABLE",
                f"the ECB publishes no {cur} rate on or before {payment.accepted_on}, so the USD limits "
                f"of the payment rules cannot be applied (paid {_money(paid, cur)}, payable {_money(payable, cur)})",
                "USD limits are converted at the ECB rate of the payment date", currency=cur) from None
        usd_per_unit, fx_on, fx_source = conv.factor, conv.on, conv.source
    amounts = {"currency": cur, "amount_payable": str(payable), "paid": str(paid), "fee": str(fee)}
    tolerance = terms.tolerance_usd
    if difference and abs(difference) * usd_per_unit > tolerance:
        raise refuse(
            "PAYMENT_AMOUNT_MISMATCH",
            f"paid {_money(paid, cur)} but the amount payable is {_money(payable, cur)} "
            f"(landed total {_money(gross, cur)} + {method.label} fee {_money(fee, cur)}); "
            f"the difference {difference:+} {cur}"
            + ("" if cur == USD else f" ({_usd(abs(difference) * usd_per_unit)} at the ECB rate of {fx_on})")
            + f" is more than the {tolerance} USD tolerance",
            f"payment within {tolerance} USD (or its equivalent) of the amount payable",
            difference=str(difference), **amounts)
    paid_usd = main.value * usd_per_unit if usd_per_unit is not None else ZERO
    usd_text = str(paid_usd.quantize(Decimal("0.01"), ROUND_HALF_UP))
    if method.min_usd is not None and paid_usd < method.min_usd:
        raise refuse(
            "METHOD_BELOW_MINIMUM", f"{method.label} payment of {_money(main.value, cur)}{_also_usd(paid_usd, cur)} "
            f"is below the {method.label} minimum of {method.min_usd:,} USD",
            f"{method.label}: at least {method.min_usd:,} USD", paid_usd=usd_text, **amounts)
    if method.max_usd is not None and (
        paid_usd > method.max_usd if method.max_inclusive else paid_usd >= method.max_usd
    ):
        bound = "at most" if method.max_inclusive else "under"
        raise refuse(
            "PAYPAL_LIMIT_EXCEEDED" if method.code == "paypal" else "METHOD_LIMIT_EXCEEDED",
            f"{method.label} payment of {_money(main.value, cur)} ({_usd(paid_usd)} at the ECB rate of "
            f"{fx_on}) is above the {method.label} limit: {bound} {method.max_usd:,} USD per order",
            f"{method.label}: {bound} {method.max_usd:,} USD per order", paid_usd=usd_text, **amounts)
    flags: tuple[str, ...] = ()
    if method.review_above_usd is not None and paid_usd > method.review_above_usd:
        review = payment.review
        rule = f"card payments above {method.review_above_usd:,} USD are reviewed before acceptance"
        if review is None:
            raise refuse(
                "CARD_REVIEW_REQUIRED",
                f"{method.label} payment of {_money(paid, cur)} ({_usd(paid_usd)}) is above "
                f"{method.review_above_usd:,} USD and needs a manual review before acceptance; "
                "send payment.review {reviewer, approved_at} once approved",
                rule, paid_usd=usd_text, **amounts)
        if not order.placed_at <= review.approved_at <= payment.accepted_at:
            raise refuse(
                "CARD_REVIEW_REQUIRED",
                f"the manual review was approved at {review.approved_at.isoformat()}, not between the "
                f"order's confirmation ({order.placed_at.isoformat()}) and the payment's acceptance "
                f"({payment.accepted_at.isoformat()})", rule, **amounts)
        flags = ("CARD_MANUAL_REVIEW",)
    return PaymentCheck(method, fee, payable, paid, difference, usd_per_unit, fx_on, fx_source, flags,
                        tuple(checks), order.platform)


def _span(delta: timedelta) -> str:
    days, seconds = delta.days, delta.seconds
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    parts = [f"{days} days"]
    if hours or minutes:
        parts.append(f"{hours} h {minutes:02d} min")
    return " ".join(parts)


def refund_to_tenders(paid: list[int], before: list[int], amount: int) -> list[int]:
    """Share a refund among a payment's tenders in proportion to what each paid (minor units).

    The refunds so far plus this one are shared by largest remainder, less what each tender got
    back before, so each refund's parts sum to ``amount`` exactly and a full refund returns each
    tender exactly what it paid; no tender ever gets back more than it paid.

    >>> refund_to_tenders([2000, 4804], [0, 0], 1000)
    [294, 706]
    >>> refund_to_tenders([2000, 4804], [294, 706], 5804)
    [1706, 4098]
    """
    total, cumulative = sum(paid), sum(before) + amount
    if not 0 <= cumulative <= total:
        raise ValueError(f"refunds of {cumulative} exceed the {total} paid")
    if not total:
        return [0] * len(paid)
    exact = [cumulative * p for p in paid]
    target = [e // total for e in exact]
    order = sorted(range(len(paid)), key=lambda i: (-(exact[i] % total), i))
    for i in order[: cumulative - sum(target)]:
        target[i] += 1
    parts = [max(0, t - b) for t, b in zip(target, before)]
    # Rounding may have moved a unit between tenders since the last refund: settle it where
    # there is room, so the parts add up to the refund.
    for i in range(len(parts)):
        while sum(parts) > amount and parts[i] > 0:
            parts[i] -= 1
        while sum(parts) < amount and before[i] + parts[i] < paid[i]:
            parts[i] += 1
    return parts


def tender_rows(order_id: str, check: PaymentCheck, digits: int) -> list[tuple]:
    """The ``payment_tenders`` rows of an accepted payment, in the table's column order."""
    return [
        (order_id, i, c.method.code, to_minor(c.value, digits), to_minor(c.fee, digits), c.tender.currency,
         str(c.tender.amount) if c.tender.rate is not None else None,
         str(c.tender.rate) if c.tender.rate is not None else None, c.tender.operator, c.tender.certificate_id)
        for i, c in enumerate(check.tenders)
    ]


def tenders_body(check: PaymentCheck) -> list[dict[str, Any]]:
    """Each tender as ``levy commit`` prints it."""
    return [
        {"method": c.method.code, "amount": str(c.value), "fee": str(c.fee)}
        | ({"operator": c.tender.operator} if c.tender.operator else {})
        | ({"certificate_id": c.tender.certificate_id} if c.tender.certificate_id else {})
        | ({"paid": f"{c.tender.amount} {c.tender.currency}", "rate": str(c.tender.rate)} if c.tender.rate else {})
        for c in check.tenders
    ]


def tenders_from_rows(rows, digits: int) -> list[dict[str, Any]]:
    """:func:`tenders_body` rebuilt from ``payment_tenders`` rows (in position order)."""
    return [
        {"method": r.method, "amount": str(from_minor(r.amount_minor, digits)),
         "fee": str(from_minor(r.fee_minor, digits))}
        | ({"operator": r.operator} if r.operator else {})
        | ({"certificate_id": r.certificate_id} if r.certificate_id else {})
        | ({"paid": f"{r.paid_amount} {r.paid_currency}", "rate": r.rate} if r.rate else {})
        for r in rows
    ]


def platform_of(payload: str) -> str:
    """The ``platform`` of a committed order's stored payload (default ``alibaba.com``)."""
    return json.loads(payload).get("platform") or DEFAULT_PLATFORM


def known_methods(book: PlatformBook | None = None) -> tuple[str, ...]:
    """Every method code some platform accepts (``payment.method`` must be one of them)."""
    return (book or default_book()).method_codes


def parse_payment(raw: Any, order_currency: str | None, book: PlatformBook | None = None):
    """:func:`levy.ledger.tenders.parse_payment` against the methods the platforms know."""
    return _parse_payment(raw, order_currency, known_methods(book))


__all__ = [
    "ManualReview",
    "Payment",
    "PaymentCheck",
    "PaymentMethod",
    "Tender",
    "TenderCheck",
    "check_payment",
    "default_book",
    "known_methods",
    "parse_payment",
    "platform_of",
    "refund_to_tenders",
    "tender_rows",
    "tenders_body",
    "tenders_from_rows",
    "terms_for",
]
