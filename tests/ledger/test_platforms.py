"""Platform rules as data (rates/platforms/): AliExpress beside alibaba.com, each limit on both
sides, fees to the cent, tenders with gift certificates, buyer protection in the life cycle."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import build_order
from hypothesis import given
from hypothesis import strategies as st

from levy.datafiles import default_rates_dir
from levy.engine import parse_order
from levy.errors import RatesDataError
from levy.ledger import lifecycle
from levy.ledger.errors import LifecycleRefused, PaymentRefused, RefundRefused
from levy.ledger.lifecycle import Logged
from levy.ledger.payments import check_payment, default_book, parse_payment, refund_to_tenders, terms_for
from levy.ledger.platforms import HEADER, PlatformBook
from levy.models import PLATFORMS

PLACED = datetime.fromisoformat(build_order()["placed_at"])  # 2026-10-15T12:00:00+02:00
ACCEPTED = (PLACED + timedelta(hours=1)).isoformat()


def ali_order(price: str, currency: str = "USD", **changes) -> dict:
    """Shipped to the US (no platform-collection regime): the gross total is the price itself."""
    return build_order(to="US", postal="10001", currency=currency, price=price, platform="aliexpress", **changes)


def check(engine, order: dict, payment: dict):
    parsed = parse_order(order)
    raw = {"currency": order["currency"], "accepted_at": ACCEPTED, **payment}
    pay, errors = parse_payment(raw, parsed.currency)
    assert not errors, errors
    return check_payment(parsed, engine.quote(parsed), pay, engine.fx)


def refused(engine, order: dict, payment: dict) -> PaymentRefused:
    with pytest.raises(PaymentRefused) as caught:
        check(engine, order, payment)
    err = caught.value
    # Every refusal names the order, the rule and the platform.
    assert f"order {order['order_id']} ({order.get('platform', 'alibaba.com')})" in str(err)
    assert err.details["rule"] and err.details["platform"] == order.get("platform", "alibaba.com")
    return err


# method | price (USD, = gross) | -> refusal code or None
LIMITS = [
    ("western_union", "19.99", "METHOD_BELOW_MINIMUM"),
    ("western_union", "20.00", None),
    ("western_union", "4999.99", None),
    ("western_union", "5000.00", "METHOD_LIMIT_EXCEEDED"),   # "under USD 5,000"
    ("bank_transfer", "19.99", "METHOD_BELOW_MINIMUM"),
    ("bank_transfer", "20.00", None),
    ("bank_transfer", "50000.00", None),                       # "up to USD 50,000"
    ("bank_transfer", "50000.01", "METHOD_LIMIT_EXCEEDED"),
]


@pytest.mark.parametrize("method, price, code", LIMITS, ids=[f"{m}-{p}" for m, p, _ in LIMITS])
def test_aliexpress_usd_limits_on_both_sides(engine, method, price, code):
    order = ali_order(price)
    payment = {"method": method, "amount": price}
    if code is None:
        result = check(engine, order, payment)
        assert (result.paid, result.fee, result.difference) == (Decimal(price), Decimal("0.00"), Decimal("0.00"))
    else:
        err = refused(engine, order, payment)
        assert err.code == code and "USD" in str(err)


@pytest.mark.parametrize(
    "operator, fee",
    [("beeline", "2.66"), ("megafon", "1.33"), ("tele2", "1.67")],  # 68.13 x 3.9 % = 2.65707 -> 2.66
)
def test_mobile_payment_fee_is_the_operators_commission_to_the_cent(engine, operator, fee):
    result = check(engine, ali_order("68.13"), {"method": "mobile", "operator": operator,
                                                "amount": str(Decimal("68.13") + Decimal(fee))})
    assert result.fee == Decimal(fee) and result.payable == Decimal("68.13") + Decimal(fee)
    assert result.difference == Decimal("0.00")


def test_mts_states_no_commission_so_the_payment_is_refused(engine):
    err = refused(engine, ali_order("68.13"), {"method": "mobile", "operator": "mts", "amount": "68.13"})
    assert err.code == "MOBILE_OPERATOR_FEE_UNKNOWN" and "mts" in str(err)


@pytest.mark.parametrize("method", ["qiwi", "webmoney", "yandex", "visa", "mastercard", "maestro"])
def test_wallets_and_cards_pay_without_commission(engine, method):
    assert check(engine, ali_order("68.13"), {"method": method, "amount": "68.13"}).fee == Decimal("0.00")


@pytest.mark.parametrize("method", ["qiwi", "webmoney", "yandex"])
def test_wallets_pay_in_usd_only(engine, method):
    err = refused(engine, ali_order("68.13", currency="EUR"), {"method": method, "amount": "68.13"})
    assert err.code == "METHOD_CURRENCY_NOT_SUPPORTED"


def test_cash_at_the_post_office_in_roubles_at_the_days_rate(engine):
    tender = {"method": "cash_post", "amount": "6000.00", "currency": "RUB", "rate": "88.07"}
    result = check(engine, ali_order("68.13"), {"tenders": [tender]})
    assert result.paid == Decimal("68.13")  # 6000 / 88.07 = 68.1276... -> 68.13
    assert result.fee == Decimal("0.00")
    err = refused(engine, ali_order("68.13"), {"tenders": [{**tender, "rate": None}]})
    assert err.code == "PAYMENT_CURRENCY_MISMATCH" and "rate of the day" in str(err)


def test_paypal_is_not_an_aliexpress_method(engine):
    err = refused(engine, ali_order("68.13"), {"method": "paypal", "amount": "70.17"})
    assert err.code == "METHOD_NOT_ACCEPTED" and "aliexpress does not accept 'paypal'" in str(err)


def test_gift_certificate_with_a_card_records_each_part(engine):
    result = check(engine, ali_order("68.13"), {"tenders": [
        {"method": "gift_certificate", "amount": "20.00", "certificate_id": "GC-1"},
        {"method": "visa", "amount": "48.13"}]})
    assert [(t.method.code, t.value, t.fee) for t in result.tenders] == [
        ("gift_certificate", Decimal("20.00"), Decimal("0.00")), ("visa", Decimal("48.13"), Decimal("0.00"))]
    assert result.method.code == "visa" and result.paid == result.payable == Decimal("68.13")


def test_mobile_fee_is_on_the_part_the_phone_pays(engine):
    # 48.13 x 3.9 % = 1.87707 -> 1.88: the certificate's part carries no commission.
    result = check(engine, ali_order("68.13"), {"tenders": [
        {"method": "gift_certificate", "amount": "20.00"},
        {"method": "mobile", "operator": "beeline", "amount": "50.01"}]})
    assert result.fee == Decimal("1.88") and result.payable == Decimal("70.01")


@pytest.mark.parametrize(
    "tenders, code",
    [([{"method": "gift_certificate", "amount": "10.00"}, {"method": "bank_transfer", "amount": "58.13"}],
      "SOLE_PAYMENT_REQUIRED"),
     ([{"method": "visa", "amount": "30.00"}, {"method": "qiwi", "amount": "38.13"}], "TENDERS_COMBINATION"),
     ([{"method": "gift_certificate", "amount": "70.00"}], "GIFT_CERTIFICATE_EXCEEDS_AMOUNT")],
    ids=["bank-transfer-not-split", "two-methods", "certificate-above-order"],
)
def test_tender_combinations_refused(engine, tenders, code):
    assert refused(engine, ali_order("68.13"), {"tenders": tenders}).code == code


def test_alibaba_com_has_no_gift_certificates(engine):
    order = build_order(to="US", postal="10001", currency="USD", price="68.13")
    err = refused(engine, order, {"method": "gift_certificate", "amount": "68.13"})
    assert err.code == "METHOD_NOT_ACCEPTED" and "alibaba.com" in str(err)


def test_tender_fields_are_checked():
    _, errors = parse_payment({"currency": "USD", "accepted_at": ACCEPTED, "method": "visa",
                               "tenders": [{"method": "visa", "amount": "1.001", "pin": "1"}]}, "USD")
    assert [e.loc for e in errors] == ["payment.method", "payment.tenders.0.pin", "payment.tenders.0.amount"]


def test_rules_apply_from_their_valid_from():
    book = default_book()
    assert book.terms("aliexpress", date(2015, 12, 31)) is None
    assert book.terms("aliexpress", date(2016, 1, 1)) is not None
    with pytest.raises(PaymentRefused) as caught:
        terms_for(parse_order(ali_order("20.00")), date(2015, 12, 31))
    assert caught.value.code == "PLATFORM_RULES_NOT_IN_FORCE" and "aliexpress" in str(caught.value)


def test_loader_errors_name_file_line_and_column(tmp_path):
    folder = tmp_path / "platforms"
    folder.mkdir()
    rows = (default_book_path("alibaba.com")).read_text().splitlines()
    (folder / "alibaba.com.csv").write_text("\n".join([*rows, "method,x,X,abc,,,,,,,2016-01-01,,https://x,2026-12-01,"]) + "\n")
    with pytest.raises(RatesDataError, match=rf"alibaba.com.csv:{len(rows) + 1}:value"):
        PlatformBook(tmp_path)
    (folder / "alibaba.com.csv").write_text(HEADER + "\nmethod,visa,Visa,0,,,,,,,2016-01-01,,https://x,2026-12-01,\n")
    with pytest.raises(RatesDataError, match="terms missing: payment_days"):
        PlatformBook(tmp_path)


def default_book_path(platform: str):
    return default_rates_dir() / "platforms" / f"{platform}.csv"


# --- life cycle: AliExpress buyer protection ----------------------------------------------------

T0 = datetime.fromisoformat("2026-10-15T12:00:00+00:00")
SHIPPED, COMPLETED = T0 + timedelta(days=1), T0 + timedelta(days=20)
LOG = [Logged("placed", T0), Logged("paid", T0), Logged("shipped", SHIPPED), Logged("completed", COMPLETED)]


def ali_terms(at: datetime):
    return default_book().terms("aliexpress", at.date())


def test_dispute_14_days_after_confirmation_is_open():
    at = COMPLETED + timedelta(days=14)
    assert lifecycle.next_status("AE-9", "completed", LOG, "dispute", at, ali_terms(at)) == "disputed"


@pytest.mark.parametrize("days", [15, 16], ids=["exactly-15", "16"])
def test_dispute_from_15_days_after_confirmation_is_too_late(days):
    at = COMPLETED + timedelta(days=days)
    with pytest.raises(LifecycleRefused) as caught:
        lifecycle.next_status("AE-9", "completed", LOG, "dispute", at, ali_terms(at))
    assert caught.value.code == "PROTECTION_ENDED"
    assert "order AE-9 (aliexpress)" in str(caught.value) and caught.value.details["platform"] == "aliexpress"


def test_alibaba_com_refuses_a_dispute_once_completed():
    at = COMPLETED + timedelta(days=1)
    with pytest.raises(LifecycleRefused) as caught:
        lifecycle.next_status("AB-9", "completed", LOG, "dispute", at)
    assert caught.value.code == "ORDER_COMPLETED" and "(alibaba.com)" in str(caught.value)


def test_escrow_released_only_after_buyer_protection():
    before, after = COMPLETED + timedelta(days=15, seconds=-1), COMPLETED + timedelta(days=15)
    with pytest.raises(LifecycleRefused) as caught:
        lifecycle.next_status("AE-9", "completed", LOG, "closed", before, ali_terms(before))
    assert caught.value.code == "ESCROW_OPEN"
    assert lifecycle.next_status("AE-9", "completed", LOG, "closed", after, ali_terms(after)) == "closed"


def test_refund_within_protection_needs_a_dispute_and_settles_back_to_completed():
    at = COMPLETED + timedelta(days=3)
    with pytest.raises(RefundRefused) as caught:
        lifecycle.check_refund("AE-9", "completed", LOG, at, ali_terms(at))
    assert caught.value.code == "REFUND_NEEDS_DISPUTE"
    disputed = [*LOG, Logged("dispute_opened", at)]
    lifecycle.check_refund("AE-9", "disputed", disputed, at, ali_terms(at))
    assert lifecycle.after_refund("disputed", False, disputed) == "completed"
    assert lifecycle.after_refund("disputed", False, LOG[:3]) == "shipped"


# --- refunds back to the tenders ----------------------------------------------------------------


def test_refunds_go_back_to_the_tenders_in_proportion_and_sum_exactly():
    paid = [2000, 4804]  # gift certificate 20.00, card 48.04
    first = refund_to_tenders(paid, [0, 0], 1000)
    assert first == [294, 706] and sum(first) == 1000
    rest = refund_to_tenders(paid, first, 5804)
    assert [a + b for a, b in zip(first, rest)] == paid  # a full refund returns each what it paid


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=4), st.lists(st.integers(1, 10**5), max_size=6))
def test_refund_parts_always_sum_and_never_exceed_a_tender(paid, refunds):
    before = [0] * len(paid)
    left = sum(paid)
    for amount in refunds:
        amount = min(amount, left)
        parts = refund_to_tenders(paid, before, amount)
        assert sum(parts) == amount and all(p >= 0 for p in parts)
        before = [b + p for b, p in zip(before, parts)]
        assert all(b <= p for b, p in zip(before, paid))
        left -= amount


def test_every_platform_of_the_contract_has_its_rules_file():
    assert set(default_book().platforms) == set(PLATFORMS)
    assert default_book().terms("no-such-platform", date(2026, 1, 1)) is None
