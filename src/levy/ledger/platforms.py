"""Platform rules as data (``rates/platforms/<platform>.csv``: methods, fees, limits, windows).

Each platform's payment and escrow rules are one CSV file, one rule a row, each row citing the
help page it comes from, effective-dated half-open ``[valid_from, valid_to)`` like the rates and
validated by the same reader (errors name ``file:line:column``). Three kinds of rows:

* ``method``: a ``payment.method`` code with its fee (``value``, percent of the part of the order
  it pays), the currencies it pays in, its USD limits (``min_usd`` inclusive; ``max_usd`` with
  ``max_rule`` ``<=`` or ``<``), the USD amount above which a card payment is reviewed, and
  ``flags``: ``sole`` (one payment for the whole order, never combined with another tender),
  ``operator`` (the fee is the mobile operator's commission, ``operator`` rows), ``day_rate``
  (paid in another currency at the platform's rate of the day, sent with the tender), ``voucher``
  (a platform gift certificate: it pays, it changes no VAT).
* ``operator``: a mobile operator's commission in percent.
* ``term``: ``payment_days`` (the buyer pays within so many days of the order),
  ``dispute_opens_days_after_shipping``, ``dispute_closes_days_after_completion`` (``none``: no
  dispute once completed, the escrow is released on completion; a number: buyer protection for
  so many days after the buyer confirms receipt, the escrow is released after it) and
  ``tolerance_usd``.

>>> book = PlatformBook()
>>> terms = book.terms("aliexpress", date(2026, 11, 2))
>>> terms.methods["western_union"].max_usd, terms.methods["western_union"].max_inclusive
(Decimal('5000'), False)
>>> terms.operators["beeline"]
Decimal('3.9')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from levy.datafiles import default_rates_dir
from levy.errors import RatesDataError
from levy.money import HUNDRED, ZERO, quantize_minor
from levy.ratebook import _Reader, _Series, _check_series

HEADER = ("kind,name,label,value,currencies,min_usd,max_usd,max_rule,review_above_usd,flags,"
          "valid_from,valid_to,source,retrieved,note")
KINDS = ("method", "operator", "term")
FLAGS = frozenset({"sole", "operator", "day_rate", "voucher"})
TERMS = ("payment_days", "dispute_opens_days_after_shipping", "dispute_closes_days_after_completion",
         "tolerance_usd")
DEFAULT_PLATFORM = "alibaba.com"


@dataclass(frozen=True, slots=True)
class PaymentMethod:
    """One payment method a platform accepts, with its fee and limits."""

    code: str
    """The value of ``payment.method`` (or of a tender's ``method``)."""
    label: str
    fee_percent: Decimal = ZERO
    """Fee on the part of the order the method pays, its own line outside the VAT base."""
    currencies: frozenset[str] | None = None
    """Currencies the method pays in; ``None``: any."""
    min_usd: Decimal | None = None
    """Smallest payment, in USD, inclusive."""
    max_usd: Decimal | None = None
    """Largest payment, in USD (``max_inclusive`` says whether the limit itself is allowed)."""
    max_inclusive: bool = True
    review_above_usd: Decimal | None = None
    """Payments above this (USD) need a manual review before they are accepted."""
    flags: frozenset[str] = field(default_factory=frozenset)
    source: str = ""

    def fee(self, order_amount: Decimal, currency: str, percent: Decimal | None = None) -> Decimal:
        """The fee on an amount, rounded half-up to the currency's minor unit."""
        percent = self.fee_percent if percent is None else percent
        if not percent:
            return quantize_minor(ZERO, currency)
        return quantize_minor(order_amount * percent / HUNDRED, currency)


@dataclass(frozen=True, slots=True)
class Terms:
    """One platform's rules in force on one day."""

    platform: str
    on: date
    methods: dict[str, PaymentMethod]
    operators: dict[str, Decimal]
    payment_window: timedelta
    dispute_opens_after: timedelta
    protection_after_completion: timedelta | None
    """``None``: no dispute once the order is completed (escrow released on completion)."""
    tolerance_usd: Decimal
    sources: dict[str, str]
    """``term name`` -> help page, for the refusals' ``rule`` text."""


@dataclass(frozen=True, slots=True)
class _Row:
    kind: str
    name: str
    label: str
    value: str
    method: PaymentMethod | None
    valid_from: date
    valid_to: date | None
    source: str


class PlatformBook:
    """Every ``rates/platforms/*.csv``, validated once; :meth:`terms` answers from memory."""

    def __init__(self, rates_dir: Path | str | None = None) -> None:
        folder = Path(rates_dir or default_rates_dir()) / "platforms"
        if not folder.is_dir():
            raise RatesDataError(folder, 0, "platforms directory not found")
        self._series: dict[str, dict[tuple[str, str], _Series]] = {}
        for path in sorted(folder.glob("*.csv")):
            self._series[path.stem] = self._load(path)
        if DEFAULT_PLATFORM not in self._series:
            raise RatesDataError(folder / f"{DEFAULT_PLATFORM}.csv", 0, "file missing")
        self._cache: dict[tuple[str, date], Terms | None] = {}

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(self._series)

    @property
    def method_codes(self) -> tuple[str, ...]:
        """Every method code of every platform, in file order (the default platform first)."""
        order = [DEFAULT_PLATFORM, *(p for p in self._series if p != DEFAULT_PLATFORM)]
        codes = (name for p in order for kind, name in self._series[p] if kind == "method")
        return tuple(dict.fromkeys(codes))

    @staticmethod
    def _usd(reader: _Reader, line: int, rec: dict, column: str) -> Decimal | None:
        return reader.decimal(line, rec, column) if rec[column] else None

    def _load(self, path: Path) -> dict[tuple[str, str], _Series]:
        reader = _Reader(path, HEADER)
        series: dict[tuple[str, str], list] = {}
        for line, rec in reader.rows:
            kind, name = rec["kind"], rec["name"]
            if kind not in KINDS:
                raise reader.fail(line, "kind", f"{kind!r} is not one of {', '.join(KINDS)}")
            if not name:
                raise reader.fail(line, "name", "names nothing")
            if kind == "term" and name not in TERMS:
                raise reader.fail(line, "name", f"{name!r} is not one of {', '.join(TERMS)}")
            period = reader.period(line, rec)
            method = None
            if kind == "term":
                if not (name == "dispute_closes_days_after_completion" and rec["value"] == "none"):
                    reader.decimal(line, rec, "value")
            else:
                fee = reader.decimal(line, rec, "value")
            if kind == "method":
                flags = frozenset(rec["flags"].split())
                if unknown := flags - FLAGS:
                    raise reader.fail(line, "flags", f"unknown flags {sorted(unknown)}; known: {sorted(FLAGS)}")
                if rec["max_rule"] not in (("<=", "<") if rec["max_usd"] else ("",)):
                    raise reader.fail(line, "max_rule", "is <= or < with max_usd, empty without")
                currencies = frozenset(rec["currencies"].split()) or None
                if currencies and any(len(c) != 3 or not c.isalpha() or not c.isupper() for c in currencies):
                    raise reader.fail(line, "currencies", "ISO 4217 codes separated by spaces")
                method = PaymentMethod(
                    name, rec["label"] or name, fee, currencies, self._usd(reader, line, rec, "min_usd"),
                    self._usd(reader, line, rec, "max_usd"), rec["max_rule"] != "<",
                    self._usd(reader, line, rec, "review_above_usd"), flags, period["source"],
                )
            row = _Row(kind, name, rec["label"], rec["value"], method, period["valid_from"],
                       period["valid_to"], period["source"])
            series.setdefault((kind, name), []).append((line, row))
        _check_series(reader, "rule", series)
        missing = [t for t in TERMS if ("term", t) not in series]
        if missing:
            raise RatesDataError(path, 0, f"terms missing: {', '.join(missing)}")
        return {key: _Series([r for _, r in rows]) for key, rows in series.items()}

    def terms(self, platform: str, on: date) -> Terms | None:
        """The platform's rules in force on ``on``; ``None`` when a term is not in force then."""
        key = (platform, on)
        if key not in self._cache:
            self._cache[key] = self._build(platform, on)
        return self._cache[key]

    def _build(self, platform: str, on: date) -> Terms | None:
        if platform not in self._series:
            return None
        found = {k: s.at(on) for k, s in self._series[platform].items()}
        rows = {k: r for k, r in found.items() if r is not None}
        term = {name: rows.get(("term", name)) for name in TERMS}
        if any(r is None for r in term.values()):
            return None
        closes = term["dispute_closes_days_after_completion"].value
        return Terms(
            platform=platform, on=on,
            methods={r.name: r.method for (kind, _), r in rows.items() if kind == "method"},
            operators={r.name: Decimal(r.value) for (kind, _), r in rows.items() if kind == "operator"},
            payment_window=timedelta(days=int(term["payment_days"].value)),
            dispute_opens_after=timedelta(days=int(term["dispute_opens_days_after_shipping"].value)),
            protection_after_completion=None if closes == "none" else timedelta(days=int(closes)),
            tolerance_usd=Decimal(term["tolerance_usd"].value),
            sources={name: r.source for name, r in term.items()},
        )


__all__ = ["DEFAULT_PLATFORM", "PaymentMethod", "PlatformBook", "Terms"]
