"""monthly_reconciliation.ipynb, executed on the sample ledger; figures checked with plain SQL.

October 2026's returns convert at the ECB rate of Monday 2026-11-02, which the packaged history
does not hold: with it alone the notebook must say the returns are not ready (and why) while
still reconciling everything that needs no rate; with a store reaching that day it must show
the totals to file.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from papermill import PapermillExecutionError  # levy.review.execute_notebook runs papermill

from levy.fx import EcbRates, load_rates
from levy.ledger.payments import TOLERANCE_USD

from .conftest import PERIOD

OCTOBER = ("2026-10-01", "2026-11-01")
# A 0 % shipping row is outside the tax base unless goods of its order are zero-rated too
# (Malaysia's LVG leaves transport out): no return reports it.
IN_BASE = """NOT (dl.kind = 'shipping' AND dl.rate_percent = '0' AND NOT EXISTS (
    SELECT 1 FROM decision_lines g WHERE g.order_id = dl.order_id AND g.kind = 'line' AND g.rate_percent = '0'))"""
SALES = f"""
    SELECT d.scheme, strftime('%Y-%m', o.paid_on), d.tax_country, dl.rate_percent, o.currency,
           o.minor_units, sum(dl.vat_minor)
    FROM decision_lines dl JOIN orders o USING (order_id) JOIN decisions d USING (order_id)
    WHERE d.collect AND o.paid_on >= ? AND o.paid_on < ? AND {IN_BASE}
    GROUP BY 1, 2, 3, 4, 5, 6"""
REFUNDS = f"""
    SELECT d.scheme, strftime('%Y-%m', o.paid_on), d.tax_country, dl.rate_percent, o.currency,
           o.minor_units, -sum(rl.vat_minor)
    FROM refund_lines rl JOIN refunds r USING (refund_id) JOIN decision_lines dl ON dl.id = rl.decision_line_id
    JOIN orders o ON o.order_id = dl.order_id JOIN decisions d ON d.order_id = o.order_id
    WHERE d.collect AND r.refunded_on >= ? AND r.refunded_on < ? AND {IN_BASE}
    GROUP BY 1, 2, 3, 4, 5, 6"""


# The VAT on recharged duties and fees (Art. 78(a)) is declared at the rate of the goods it covers;
# a full refund takes it back in the month it is recorded.
CHARGES = """
    SELECT d.scheme, strftime('%Y-%m', o.paid_on), d.tax_country, o.currency, o.minor_units,
           dc.order_id, dc.skus, {sign} dc.vat_minor
    FROM decision_charges dc JOIN orders o USING (order_id) JOIN decisions d USING (order_id) {refunds}
    WHERE d.collect AND d.scheme IS NOT NULL AND dc.vat_minor != 0 AND {day} >= ? AND {day} < ?"""
CHARGES_SOLD = CHARGES.format(sign="", refunds="", day="o.paid_on")
CHARGES_REFUNDED = CHARGES.format(sign="-", refunds="JOIN refunds r ON r.order_id = o.order_id AND r.mode = 'full'",
                                  day="r.refunded_on")


def charge_vat_rows(sql) -> list[tuple]:
    """``(scheme, period, country, rate, currency, digits, vat)`` of the charges' VAT; every
    charge of the sample covers goods at one rate (the split over several rates is tested in
    tests/ledger/test_charge_vat_return.py)."""
    rows = []
    for scheme, period, country, currency, digits, order_id, skus, vat in (
            sql(CHARGES_SOLD, *OCTOBER) + sql(CHARGES_REFUNDED, *OCTOBER)):
        names = skus.split(";")
        rates = {r for r, in sql("SELECT DISTINCT rate_percent FROM decision_lines WHERE order_id = ? AND "
                                 f"kind = 'line' AND sku IN ({','.join('?' * len(names))})", order_id, *names)}
        assert len(rates) == 1, (order_id, skus, rates)
        rows.append((scheme, period, country, rates.pop(), currency, digits, vat))
    return rows


def vat_groups(sql) -> dict[tuple, Decimal]:
    """VAT per (scheme, original period, country, rate, currency): sales paid in October plus
    the (negative) refunds recorded in it, goods and the charges' VAT."""
    groups: dict[tuple, Decimal] = {}
    for *key, digits, vat in sql(SALES, *OCTOBER) + sql(REFUNDS, *OCTOBER) + charge_vat_rows(sql):
        groups[tuple(key)] = groups.get(tuple(key), Decimal(0)) + Decimal(vat).scaleb(-digits)
    return groups


def expected(sql) -> dict:
    by_scheme_currency: dict[str, Decimal] = {}
    for (scheme, _, _, _, currency), vat in vat_groups(sql).items():
        key = f"{scheme} {currency}"
        by_scheme_currency[key] = by_scheme_currency.get(key, Decimal(0)) + vat
    refunds = sql("SELECT r.refund_id, strftime('%Y-%m', o.paid_on) FROM refunds r JOIN orders o USING (order_id) "
                  "WHERE r.refunded_on >= ? AND r.refunded_on < ? ORDER BY r.refunded_on, r.refund_id", *OCTOBER)
    worst = max(
        abs(Decimal(diff).scaleb(-digits) * Decimal(usd))
        for diff, digits, usd in sql("SELECT p.difference_minor, o.minor_units, p.usd_rate FROM payments p "
                                     "JOIN orders o USING (order_id) WHERE o.paid_on >= ? AND o.paid_on < ? "
                                     "AND p.difference_minor != 0", *OCTOBER)
    )
    return {
        "period": PERIOD,
        "ledger_vat_by_scheme_currency": {k: str(v) for k, v in sorted(by_scheme_currency.items())},
        "payments": sql("SELECT count(*) FROM orders WHERE paid_on >= ? AND paid_on < ?", *OCTOBER)[0][0],
        "payments_off_payable": sql("SELECT count(*) FROM payments p JOIN orders o USING (order_id) WHERE "
                                    "o.paid_on >= ? AND o.paid_on < ? AND p.difference_minor != 0", *OCTOBER)[0][0],
        "largest_difference_usd": str(worst.quantize(Decimal("0.0001"))),
        "refunds": [r for r, _ in refunds],
        "corrections": {r: p for r, p in refunds if p != PERIOD},
    }


def ioss_vat_due(sql, fx: EcbRates) -> str:
    """EU_IOSS VAT due in euro: each group converted at its original period's end rate,
    rounded half-up to the cent, then added (Art. 366(2), Art. 369t(2))."""
    ends = {PERIOD: date(2026, 10, 31), "2026-07": date(2026, 7, 31)}
    total = Decimal("0.00")
    for (scheme, period, _, _, currency), vat in vat_groups(sql).items():
        if scheme != "EU_IOSS":
            continue
        rate = Decimal(1) if currency == "EUR" else fx.period_end_rate(currency, ends[period]).rate
        with localcontext() as ctx:
            ctx.prec = 34
            total += (vat / rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"EUR {total}"


def test_not_ready_without_the_period_end_rate(run_notebook, sample_db, sql):
    _, figures = run_notebook("monthly_reconciliation", DB_URL=f"sqlite:///{sample_db}", PERIOD=PERIOD)
    want = expected(sql)
    assert {k: figures[k] for k in want} == want
    assert figures["ready_to_file"] is False
    assert figures["fx_missing_day"] == "2026-11-02"  # Saturday 31st: the next ECB publication
    assert figures["vat_due"] is None
    assert figures["corrections"] == {"R-SAMPLE-4": "2026-07", "R-SAMPLE-5": "2026-07"}
    assert Decimal(figures["largest_difference_usd"]) <= TOLERANCE_USD
    assert figures["groups_checked"] == len(vat_groups(sql))


def test_ready_with_the_period_end_rate(run_notebook, sample_db, sql, fx_reaching_period_end, monkeypatch):
    monkeypatch.setenv("LEVY_DATA_DIR", str(fx_reaching_period_end))
    _, figures = run_notebook("monthly_reconciliation", DB_URL=f"sqlite:///{sample_db}", PERIOD=PERIOD)
    assert figures["ready_to_file"] is True
    assert figures["fx_missing_day"] is None
    want = expected(sql)
    assert {k: figures[k] for k in want} == want
    assert figures["vat_due"]["EU_IOSS"] == ioss_vat_due(sql, load_rates(fx_reaching_period_end))
    # A month's return is the IOSS alone: NO VOEC, NZ and AU GST file quarterly (their regime
    # modules' FILINGS), so the monthly reconciliation shows no figure for them.
    for scheme in ("NO_VOEC", "NZ_GST_LVG", "AU_GST_LVG"):
        assert scheme not in figures["vat_due"]


def test_a_period_that_is_no_month_stops_the_notebook(run_notebook, sample_db):
    with pytest.raises(PapermillExecutionError, match="period '2026-13' is not a month written YYYY-MM"):
        run_notebook("monthly_reconciliation", DB_URL=f"sqlite:///{sample_db}", PERIOD="2026-13")
