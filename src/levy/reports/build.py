"""The monthly return's tables (IOSS return, VAT Directive Art. 369t; OSS Art. 365).

From the aggregated collection lines of one month, for each scheme:

* **by country** (Art. 369t(1)): per country of consumption and rate, the taxable amount and
  the VAT of the orders paid in the period, net of the refunds recorded in the same period,
  and how many orders were paid at that rate;
* **corrections** (Art. 369t(2)): refunds recorded in the period against orders paid in an
  earlier one, as negative amounts, by original period, country and rate;
* **by currency**: the same totals in each order currency, with the ECB rates used, for the
  treasury and for the reconciliation with the ledger.

Conversion (Art. 366(2) and rules.md 1.7): amounts are summed per (country, rate, currency) in
the order currency, each sum is converted at the ECB reference rate of the period's last day
(or of the next day the ECB published), crossed through the euro for a return not made out in
euro, rounded half-up to the filing currency's minor unit, and only then added up. CIR 282/2011
Art. 60: the amounts are exact, never rounded to whole units.

A correction converts at the rate of **its original period**: it amends that period's return
(Art. 369t(2) names the period and the amount amended), so the same sale refunded a month later
takes back exactly what was declared for it, to the cent, whatever the euro did since.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from typing import Protocol

import pandas as pd

from levy.fx import FxRate
from levy.money import minor_units, quantize_minor
from levy.reports.periods import check_scheme_period, filing_facts, period_kind
from levy.reports.schema import amount_columns, check_return_period, filing_currency, last_day

BY_COUNTRY = "by-country"
CORRECTIONS = "corrections"
BY_CURRENCY = "by-currency"
TABLES = (BY_COUNTRY, CORRECTIONS, BY_CURRENCY)
"""The three tables of a scheme's return, in file and sheet order."""


class PeriodEndRates(Protocol):
    """What the report needs from the ECB history (``levy.fx.EcbRates``)."""

    def period_end_rate(self, currency: str, period_end: date) -> FxRate: ...


@dataclass(frozen=True, slots=True)
class Leg:
    """The ECB rate a group was converted at: ``rate`` units of ``currency`` per euro."""

    currency: str
    rate: Decimal
    on: date


@dataclass(slots=True)
class SchemeReport:
    """One scheme's return for one month: its three tables and its filing currency."""

    scheme: str
    period: str
    currency: str
    """The filing currency (EUR for IOSS and OSS)."""
    by_country: pd.DataFrame
    corrections: pd.DataFrame
    by_currency: pd.DataFrame

    @property
    def amount_columns(self) -> tuple[str, str]:
        return amount_columns(self.currency)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {BY_COUNTRY: self.by_country, CORRECTIONS: self.corrections, BY_CURRENCY: self.by_currency}

    def totals(self) -> dict[str, Decimal]:
        """Taxable amount and VAT of the period, of the corrections, and the VAT due."""
        taxable, vat = self.amount_columns
        zero = quantize_minor(Decimal(0), self.currency)
        sales_taxable = sum(self.by_country[taxable], zero)
        sales_vat = sum(self.by_country[vat], zero)
        corr_taxable = sum(self.corrections[taxable], zero)
        corr_vat = sum(self.corrections[vat], zero)
        return {
            "taxable": sales_taxable, "vat": sales_vat, "orders": int(self.by_country["orders"].sum()),
            "corrections_taxable": corr_taxable, "corrections_vat": corr_vat,
            "vat_due": sales_vat + corr_vat,
        }


@dataclass(slots=True)
class MonthlyReport:
    period: str
    schemes: dict[str, SchemeReport] = field(default_factory=dict)


def _rate_key(rate: str) -> Decimal:
    return Decimal(rate)


def _plain(amount: Decimal) -> Decimal:
    """No ``-0.00`` in a return: a zero is a zero."""
    return amount.copy_abs() if amount.is_zero() else amount


def minor_to_decimal(amount: int, currency: str) -> Decimal:
    """``1234`` EUR minor units -> ``Decimal('12.34')``; JPY -> ``Decimal('1234')``."""
    return Decimal(int(amount)).scaleb(-minor_units(currency))


class _Converter:
    """Converts order-currency sums into the filing currency at period-end ECB rates (cached)."""

    def __init__(self, fx: PeriodEndRates, filing: str) -> None:
        self.fx, self.filing = fx, filing
        self._legs: dict[tuple[str, str], Leg] = {}

    def leg(self, currency: str, period: str) -> Leg:
        key = (currency, period)
        if key not in self._legs:
            if currency == "EUR":
                self._legs[key] = Leg("EUR", Decimal(1), last_day(period))
            else:
                rate = self.fx.period_end_rate(currency, last_day(period))
                self._legs[key] = Leg(currency, rate.rate, rate.on)
        return self._legs[key]

    def convert(self, amount: Decimal, currency: str, period: str) -> tuple[Decimal, Leg, Leg]:
        """``amount`` of ``currency`` in the filing currency, rounded half-up to its minor unit."""
        order_leg = self.leg(currency, period)
        filing_leg = self.leg(self.filing, period)
        if currency == self.filing:
            return quantize_minor(amount, self.filing), order_leg, filing_leg
        with localcontext() as ctx:
            ctx.prec = 34  # exact enough that only the final half-up rounding matters
            exact = amount * filing_leg.rate / order_leg.rate
        return _plain(quantize_minor(exact, self.filing)), order_leg, filing_leg


def build_scheme(agg: pd.DataFrame, scheme: str, period: str, fx: PeriodEndRates) -> SchemeReport:
    """One scheme's return from the month's aggregate (``levy.reports.aggregate``).

    Args:
        agg: aggregated lines recorded in ``period`` (any scheme; this one is selected).
        scheme: the scheme code.
        period: ``YYYY-MM`` or ``YYYY-Qn``, the kind of period the scheme files.
        fx: the ECB history (``period_end_rate``).

    Raises:
        ReportError: a scheme with no filing currency, or a period it does not file for.
        levy.errors.NoFxRateError: the ECB history does not reach a rate the return needs
            (its message names the day and the command that fetches it).
    """
    check_return_period(period)
    check_scheme_period(scheme, period)
    filing = filing_currency(scheme)
    taxable_col, vat_col = amount_columns(filing)
    conv = _Converter(fx, filing)
    rows = agg[(agg["scheme"] == scheme) & (agg["period"] == period)]
    keys = ["original_period", "tax_country", "rate_percent", "currency"]
    currency_rows = []
    if len(rows):
        sales = rows["kind"] == "sale"
        work = rows.assign(orders=rows["rows"].where(sales, 0))
        grouped = work.groupby(keys, sort=False)[["net_minor", "vat_minor", "orders"]].sum().reset_index()
        for r in grouped.itertuples(index=False):
            net = _plain(minor_to_decimal(r.net_minor, r.currency))
            vat = _plain(minor_to_decimal(r.vat_minor, r.currency))
            net_f, leg, filing_leg = conv.convert(net, r.currency, r.original_period)
            vat_f, _, _ = conv.convert(vat, r.currency, r.original_period)
            currency_rows.append({
                "scheme": scheme, "period": period, "original_period": r.original_period,
                "tax_country": r.tax_country, "rate_percent": r.rate_percent, "currency": r.currency,
                "taxable_amount": net, "vat_amount": vat, "orders": int(r.orders),
                "fx_date": "" if r.currency == filing else (leg if r.currency != "EUR" else filing_leg).on.isoformat(),
                "ecb_rate": format(leg.rate, "f"), f"ecb_rate_{filing.lower()}": format(filing_leg.rate, "f"),
                taxable_col: net_f, vat_col: vat_f,
            })
    by_currency = pd.DataFrame(currency_rows, columns=[
        "scheme", "period", "original_period", "tax_country", "rate_percent", "currency",
        "taxable_amount", "vat_amount", "orders", "fx_date", "ecb_rate", f"ecb_rate_{filing.lower()}",
        taxable_col, vat_col,
    ])
    if len(by_currency):
        by_currency = by_currency.sort_values(
            ["original_period", "tax_country", "rate_percent", "currency"],
            key=lambda s: s.map(_rate_key) if s.name == "rate_percent" else s,
            ascending=[False, True, False, True],
        ).reset_index(drop=True)
    current = by_currency[by_currency["original_period"] == period]
    earlier = by_currency[by_currency["original_period"] != period]
    by_country = _sum_converted(current, ["tax_country", "rate_percent"], taxable_col, vat_col, orders=True)
    by_country.insert(0, "period", period)
    by_country.insert(0, "scheme", scheme)
    corrections = _sum_converted(earlier, ["original_period", "tax_country", "rate_percent"], taxable_col, vat_col)
    corrections.insert(0, "period", period)
    corrections.insert(0, "scheme", scheme)
    return SchemeReport(scheme, period, filing, by_country.reset_index(drop=True),
                        corrections.reset_index(drop=True), by_currency)


def _sum_converted(rows: pd.DataFrame, keys: list[str], taxable: str, vat: str, orders: bool = False) -> pd.DataFrame:
    """Add the rounded per-currency conversions of each group (sorted: country, then rate
    from the highest down)."""
    columns = keys + [taxable, vat] + (["orders"] if orders else [])
    if rows.empty:
        return pd.DataFrame(columns=columns)
    out = []
    for key, group in rows.groupby(keys, sort=False):
        record = dict(zip(keys, key))
        record[taxable] = _plain(sum(group[taxable], Decimal(0)))
        record[vat] = _plain(sum(group[vat], Decimal(0)))
        if orders:
            record["orders"] = int(group["orders"].sum())
        out.append(record)
    frame = pd.DataFrame(out, columns=columns)
    ascending = [k != "rate_percent" for k in keys]
    return frame.sort_values(
        keys, key=lambda s: s.map(_rate_key) if s.name == "rate_percent" else s, ascending=ascending,
    )


def build_report(agg: pd.DataFrame, period: str, fx: PeriodEndRates, schemes: list[str] | None = None) -> MonthlyReport:
    """Every scheme's return for a period: those with lines recorded in it that file for this
    kind of period (month or quarter), or those asked for (a scheme asked for with no lines gets
    a nil return, which is still due: Art. 369s, 369f).

    Raises:
        ReportError: a scheme asked for that does not file for this kind of period.
    """
    check_return_period(period)
    present = sorted(s for s in set(agg.loc[agg["period"] == period, "scheme"])
                     if filing_facts(s).period == period_kind(period))
    chosen = sorted(set(schemes)) if schemes else present
    report = MonthlyReport(period)
    for scheme in chosen:
        report.schemes[scheme] = build_scheme(agg, scheme, period, fx)
    return report
