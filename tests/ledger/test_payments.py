"""The platform's payment rules (levy.ledger.payments), one rule per row, amounts to the cent."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

import pytest
from conftest import build_order

from levy.engine import parse_order
from levy.ledger.errors import PaymentRefused
from levy.ledger.payments import METHODS, check_payment, parse_payment

PLACED = datetime.fromisoformat(build_order()["placed_at"])  # 2026-10-15T12:00:00+02:00


def check(engine, order: dict, method: str, amount: str, accepted_at: datetime | None = None,
          currency: str | None = None, review: dict | None = None):
    parsed = parse_order(order)
    raw = {"method": method, "amount": amount, "currency": currency or order["currency"],
           "accepted_at": (accepted_at or PLACED + timedelta(hours=1)).isoformat()}
    if review:
        raw["review"] = review
    payment, errors = parse_payment(raw, parsed.currency)
    assert not errors, errors
    return check_payment(parsed, engine.quote(parsed), payment, engine.fx)


@pytest.mark.parametrize(
    "method, gross, currency, fee",
    [
        ("paypal", "68.13", "USD", "2.04"),     # 2.0371 -> 2.04
        ("paypal", "100.00", "EUR", "2.99"),
        ("paypal", "119.00", "GBP", "3.56"),    # 3.5581 -> 3.56
        ("paypal", "16.72", "USD", "0.50"),     # 0.499928 -> 0.50
        ("paypal", "10567", "JPY", "316"),      # 315.9533 -> 316 (no minor unit)
        ("visa", "68.13", "USD", "0.00"),
        ("alipay", "10567", "JPY", "0"),
    ],
    ids=["paypal-contract-example", "paypal-round", "paypal-half-up", "paypal-small", "paypal-jpy",
         "card-no-fee", "alipay-no-fee-jpy"],
)
def test_fee_is_a_rounded_share_of_the_order_amount(method, gross, currency, fee):
    assert METHODS[method].fee(Decimal(gross), currency) == Decimal(fee)


# order changes | method | amount paid | -> code or None (accepted) | recorded difference
AMOUNT_CASES = [
    # landed total 123.07 USD: goods 100.00 + VAT 19.00 + the EU flat duty 3.42 + its VAT 0.65
    # (EUR 3 at the customs rate for October 2026, 1 EUR = 1.1411 USD)
    ({"currency": "USD"}, "visa", "123.07", None, "0.00"),
    ({"currency": "USD"}, "visa", "124.07", None, "1.00"),
    ({"currency": "USD"}, "visa", "122.07", None, "-1.00"),
    ({"currency": "USD"}, "visa", "124.08", "PAYMENT_AMOUNT_MISMATCH", None),
    ({"currency": "USD"}, "visa", "122.06", "PAYMENT_AMOUNT_MISMATCH", None),
    ({"currency": "USD"}, "paypal", "126.75", None, "0.00"),          # 123.07 + 3.68 fee
    ({"currency": "USD"}, "paypal", "123.07", "PAYMENT_AMOUNT_MISMATCH", None),  # fee not paid
    ({"currency": "USD", "price": "11000.00"}, "paypal", "11328.90", None, "0.00"),  # 12,000 USD cap
    ({"currency": "USD", "price": "11700.00"}, "paypal", "12049.83", "PAYPAL_LIMIT_EXCEEDED", None),
    ({"currency": "USD", "price": "5000.00"}, "visa", "5000.00", None, "0.00"),  # not above 5,000
    ({"currency": "USD", "price": "5000.01"}, "mastercard", "5000.01", "CARD_REVIEW_REQUIRED", None),
    ({"currency": "USD", "price": "5000.01"}, "tt", "5000.01", None, "0.00"),  # no review for T/T
    ({"currency": "PLN"}, "paypal", "123.00", "PAYPAL_CURRENCY_NOT_SUPPORTED", None),
    ({"channel": "offline"}, "visa", "100.00", "OFFLINE_ORDER", None),
]


@pytest.mark.parametrize(
    "changes, method, amount, code, difference", AMOUNT_CASES,
    ids=["exact", "plus-1-usd", "minus-1-usd", "plus-1.01-usd", "minus-1.01-usd", "paypal-with-fee",
         "paypal-fee-unpaid", "paypal-under-cap", "paypal-over-cap", "card-at-review-limit",
         "card-over-review-limit", "transfer-no-review", "paypal-pln", "offline"],
)
def test_amount_rules(engine, changes, method, amount, code, difference):
    order = build_order(**changes)
    if code is None:
        result = check(engine, order, method, amount)
        assert (result.paid, result.difference) == (Decimal(amount), Decimal(difference))
        assert result.payable == result.paid - result.difference
        return
    with pytest.raises(PaymentRefused) as caught:
        check(engine, order, method, amount)
    err = caught.value
    assert err.code == code
    assert err.order_id == "T-0001" and "order T-0001" in str(err)
    assert err.body()["error"]["rule"]
    if code == "PAYMENT_AMOUNT_MISMATCH":  # names the two amounts
        assert amount in str(err) and err.details["amount_payable"] in str(err)


def test_tolerance_in_another_currency_is_1_usd_at_the_ecb_rate_of_the_payment_date(engine):
    order = build_order()  # EUR, landed 122.57 (gross 119.00 + EUR 3 duty + 0.57 VAT on it)
    accepted = PLACED + timedelta(hours=1)
    usd_per_eur = engine.fx.conversion("EUR", "USD", accepted.date()).factor
    tolerance = (Decimal(1) / usd_per_eur).quantize(Decimal("0.01"), ROUND_FLOOR)  # largest whole cent
    ok = check(engine, order, "visa", str(Decimal("122.57") + tolerance), accepted)
    assert ok.difference == tolerance and ok.usd_per_unit == usd_per_eur
    with pytest.raises(PaymentRefused, match="more than the 1 USD tolerance") as caught:
        check(engine, order, "visa", str(Decimal("122.57") + tolerance + Decimal("0.01")), accepted)
    assert caught.value.details["difference"] == str(tolerance + Decimal("0.01"))


@pytest.mark.parametrize(
    "accepted_at, code",
    [
        (PLACED + timedelta(days=20), None),
        (datetime.fromisoformat("2026-11-04T10:00:00+00:00"), None),  # the same instant, in UTC
        (PLACED + timedelta(days=20, seconds=1), "PAYMENT_WINDOW_CLOSED"),
        (PLACED + timedelta(days=45), "PAYMENT_WINDOW_CLOSED"),
        (PLACED - timedelta(minutes=1), "PAYMENT_BEFORE_ORDER"),
    ],
    ids=["day-20", "day-20-other-offset", "day-20-plus-1s", "day-45", "before-order"],
)
def test_payment_window_of_20_days(engine, accepted_at, code):
    order = build_order()
    if code is None:
        assert check(engine, order, "visa", "122.57", accepted_at).paid == Decimal("122.57")
        return
    with pytest.raises(PaymentRefused) as caught:
        check(engine, order, "visa", "122.57", accepted_at)
    assert caught.value.code == code
    if code == "PAYMENT_WINDOW_CLOSED":
        assert "no VAT is due" in str(caught.value) and "20 days" in str(caught.value)


def test_payment_in_another_currency_than_the_order_is_refused(engine):
    with pytest.raises(PaymentRefused) as caught:
        check(engine, build_order(), "visa", "119.00", currency="USD")
    assert caught.value.code == "PAYMENT_CURRENCY_MISMATCH"
    assert caught.value.details == {"rule": "the payment is made in the order's currency",
                                    "platform": "alibaba.com",  # every refusal names its platform
                                    "order_currency": "EUR", "payment_currency": "USD"}


@pytest.mark.parametrize(
    "approved_at, code",
    [(PLACED + timedelta(minutes=30), None), (PLACED + timedelta(hours=2), "CARD_REVIEW_REQUIRED")],
    ids=["approved-before-acceptance", "approved-after-acceptance"],
)
def test_card_above_5000_usd_needs_an_approved_review(engine, approved_at, code):
    order = build_order(currency="USD", price="5000.01")
    review = {"reviewer": "R-7", "approved_at": approved_at.isoformat()}
    if code is None:
        assert check(engine, order, "visa", "5000.01", review=review).flags == ("CARD_MANUAL_REVIEW",)
        return
    with pytest.raises(PaymentRefused) as caught:
        check(engine, order, "visa", "5000.01", review=review)
    assert caught.value.code == code


@pytest.mark.parametrize(
    "method, amount, code",
    [("tt", "100.00", None), ("tt", "101.00", "FX_RATE_UNAVAILABLE"), ("visa", "100.00", "FX_RATE_UNAVAILABLE")],
    ids=["exact-transfer", "off-by-one", "card-review-limit"],
)
def test_currency_without_ecb_rate(engine, method, amount, code):
    # AED: the ECB publishes no rate; the US is covered by no regime, so the engine needs none.
    order = build_order(currency="AED", ship_to={"country": "US", "postal_code": "10001"})
    if code is None:
        assert check(engine, order, method, amount).usd_per_unit is None
        return
    with pytest.raises(PaymentRefused) as caught:
        check(engine, order, method, amount)
    assert caught.value.code == code and "AED" in str(caught.value)


@pytest.mark.parametrize(
    "payment, loc, msg",
    [
        (None, "payment", "is required: the ledger records paid orders only"),
        ([], "payment", "must be a JSON object"),
        ({"method": "cash", "amount": "1.00", "currency": "EUR", "accepted_at": "2026-10-15T13:00:00+02:00"},
         "payment.method", "must be one of visa, mastercard"),
        ({"method": "visa", "amount": 1.0, "currency": "EUR", "accepted_at": "2026-10-15T13:00:00+02:00"},
         "payment.amount", "must be a decimal string such as \"12.50\", not a JSON number"),
        ({"method": "visa", "amount": "0", "currency": "EUR", "accepted_at": "2026-10-15T13:00:00+02:00"},
         "payment.amount", "must be a decimal string > 0"),
        ({"method": "visa", "amount": "1.005", "currency": "EUR", "accepted_at": "2026-10-15T13:00:00+02:00"},
         "payment.amount", "has more decimals than EUR allows (2)"),
        ({"method": "visa", "amount": "1.00", "currency": "EUR", "accepted_at": "2026-10-15T13:00:00"},
         "payment.accepted_at", "must carry its UTC offset"),
        ({"method": "visa", "amount": "1.00", "currency": "EURO", "accepted_at": "2026-10-15T13:00:00Z"},
         "payment.currency", "must be an ISO 4217 currency code"),
        ({"method": "visa", "amount": "1.00", "currency": "EUR", "accepted_at": "2026-10-15T13:00:00Z", "tip": "1"},
         "payment.tip", "is not a field of the payment object"),
        ({"method": "visa", "amount": "1.00", "currency": "EUR"}, "payment.accepted_at", "is required"),
    ],
    ids=["missing", "not-object", "unknown-method", "json-number", "zero", "too-many-decimals",
         "naive-time", "bad-currency", "extra-field", "no-accepted-at"],
)
def test_invalid_payment_objects_name_the_field(payment, loc, msg):
    parsed, errors = parse_payment(payment, "EUR")
    assert parsed is None
    assert [e.loc for e in errors] == [loc]
    assert errors[0].msg.startswith(msg)
