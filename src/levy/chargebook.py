"""Chargebook (customs duties, fees and dated legal rules under ``rates/``, validated and indexed).

The companion of ``levy.ratebook`` for what a consignment costs beyond VAT (contract v1.1):

* ``duties.csv``: customs duties the platform charges at checkout (the EU flat duty on
  consignments up to EUR 150, Council Regulation (EU) 2026/382);
* ``fees.csv``: national or EU fees the law makes the platform collect per item, line or parcel;
* ``charge_vat.csv``: whether VAT is due on each duty or fee the platform recharges, dated and
  cited (VAT Directive Art. 78(a) and 79(c));
* ``customs_territory.csv``: places outside the EU VAT area but inside the customs territory
  (Union Customs Code Art. 4), where a customs duty applies although no VAT is collected;
* ``rules.csv``: dated switches of the law the regimes read (ViDA 2027, Directive 2025/1539).

Same conventions as the ratebook: half-open ``[valid_from, valid_to)``, exact decimals, a source
on every row, errors naming ``file:line:column``, and no I/O after loading.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from levy import currencies
from levy.countries import country_codes
from levy.datafiles import default_rates_dir
from levy.errors import RatesDataError
from levy.ratefiles import SOURCE_COLUMNS, Period, Reader, Series, check_series

FILES = {
    "duties": (
        "duties.csv",
        "code,regime,per,amount,currency,group_digits,value_limit,limit_currency,fx,"
        f"valid_from,valid_to,{SOURCE_COLUMNS}",
    ),
    "fees": (
        "fees.csv",
        "code,country,per,amount,currency,value_limit,limit_currency,fx,"
        f"valid_from,valid_to,{SOURCE_COLUMNS}",
    ),
    "charge_vat": ("charge_vat.csv", f"code,vat,valid_from,valid_to,{SOURCE_COLUMNS}"),
    "customs_territory": (
        "customs_territory.csv",
        f"country,postal_code_pattern,territory,valid_from,valid_to,{SOURCE_COLUMNS}",
    ),
    "rules": ("rules.csv", f"rule,valid_from,valid_to,{SOURCE_COLUMNS}"),
}
FX_METHODS = ("customs_monthly", "ecb_daily")
"""``customs_monthly``: UCC Art. 53 and UCC-IA Art. 146 (``levy.customs_fx``); ``ecb_daily``: the
ECB reference rate of ``placed_at``'s date, as the VAT threshold tests use."""
VAT_TREATMENTS = ("as_goods", "none")
"""``as_goods``: part of the taxable amount of the goods' supply (Art. 78(a)), taxed at the rates
of the lines it belongs to; ``none``: outside the taxable amount (Art. 79(c), or not a supply)."""
_CODE = re.compile(r"[A-Z][A-Z0-9_]*")


@dataclass(frozen=True, slots=True)
class DutyRow(Period):
    code: str
    regime: str
    per: str
    amount: Decimal
    currency: str
    group_digits: int
    """How many leading digits of ``hs_code`` make one tariff line."""
    value_limit: Decimal
    limit_currency: str
    fx: str


@dataclass(frozen=True, slots=True)
class FeeRow(Period):
    code: str
    country: str
    per: str
    """``item`` (each unit), ``line`` (each order line) or ``parcel`` (the consignment)."""
    amount: Decimal
    currency: str
    value_limit: Decimal | None
    limit_currency: str | None
    fx: str


@dataclass(frozen=True, slots=True)
class ChargeVatRow(Period):
    code: str
    vat: str


@dataclass(frozen=True, slots=True)
class CustomsTerritoryRow(Period):
    country: str
    pattern: re.Pattern[str] | None
    territory: str


@dataclass(frozen=True, slots=True)
class RuleRow(Period):
    rule: str


class Chargebook:
    """The validated duty, fee and rule tables, indexed for date lookups."""

    def __init__(self, rates_dir: Path | str | None = None) -> None:
        self.rates_dir = Path(rates_dir) if rates_dir else default_rates_dir()
        readers = {}
        for key, (name, header) in FILES.items():
            path = self.rates_dir / name
            if not path.is_file():
                raise RatesDataError(path, 0, "file missing")
            readers[key] = Reader(path, header)
        self.version = hashlib.sha256("".join(r.digest for r in readers.values()).encode()).hexdigest()[:12]
        self._load_duties(readers["duties"])
        self._load_fees(readers["fees"])
        self._load_charge_vat(readers["charge_vat"])
        self._load_customs_territory(readers["customs_territory"])
        self._load_rules(readers["rules"])

    # ---- loading

    @staticmethod
    def _code(reader: Reader, line: int, rec: dict, column: str = "code") -> str:
        if not _CODE.fullmatch(rec[column]):
            raise reader.fail(line, column, f"{rec[column]!r} is not a code such as 'EU_LVC_FLAT'")
        return rec[column]

    @staticmethod
    def _currency(reader: Reader, line: int, rec: dict, column: str) -> str:
        if not currencies.is_known(rec[column]):
            raise reader.fail(line, column, f"{rec[column]!r} is no ISO 4217 currency")
        return rec[column]

    @staticmethod
    def _fx(reader: Reader, line: int, rec: dict) -> str:
        if rec["fx"] not in FX_METHODS:
            raise reader.fail(line, "fx", f"must be one of {list(FX_METHODS)}")
        return rec["fx"]

    def _load_duties(self, reader: Reader) -> None:
        grouped: dict[str, list] = defaultdict(list)
        for line, rec in reader.rows:
            if rec["per"] != "tariff_line":
                raise reader.fail(line, "per", "a duty is charged per 'tariff_line'")
            if not rec["group_digits"].isdigit() or not 6 <= int(rec["group_digits"]) <= 10:
                raise reader.fail(line, "group_digits", "must be a whole number from 6 to 10")
            if not re.fullmatch(r"[a-z][a-z0-9_]*", rec["regime"]):
                raise reader.fail(line, "regime", "a regime is a module name such as 'eu'")
            row = DutyRow(
                code=self._code(reader, line, rec), regime=rec["regime"], per=rec["per"],
                amount=reader.decimal(line, rec, "amount"),
                currency=self._currency(reader, line, rec, "currency"),
                group_digits=int(rec["group_digits"]),
                value_limit=reader.decimal(line, rec, "value_limit"),
                limit_currency=self._currency(reader, line, rec, "limit_currency"),
                fx=self._fx(reader, line, rec), **reader.period(line, rec),
            )
            grouped[row.code].append((line, row))
        check_series(reader, "duty", grouped)
        self._duties = {k: Series([r for _, r in v]) for k, v in grouped.items()}
        self.duty_rows = [r for rows in grouped.values() for _, r in rows]

    def _load_fees(self, reader: Reader) -> None:
        grouped: dict[str, list] = defaultdict(list)
        for line, rec in reader.rows:
            if rec["country"] not in country_codes():
                raise reader.fail(line, "country", f"{rec['country']!r} is no ISO 3166-1 alpha-2 code")
            if rec["per"] not in ("item", "line", "parcel"):
                raise reader.fail(line, "per", "must be 'item', 'line' or 'parcel'")
            if bool(rec["value_limit"]) != bool(rec["limit_currency"]):
                raise reader.fail(line, "limit_currency", "set together with value_limit, or both empty")
            row = FeeRow(
                code=self._code(reader, line, rec), country=rec["country"], per=rec["per"],
                amount=reader.decimal(line, rec, "amount"),
                currency=self._currency(reader, line, rec, "currency"),
                value_limit=reader.decimal(line, rec, "value_limit") if rec["value_limit"] else None,
                limit_currency=self._currency(reader, line, rec, "limit_currency") if rec["limit_currency"] else None,
                fx=self._fx(reader, line, rec), **reader.period(line, rec),
            )
            grouped[row.code].append((line, row))
        check_series(reader, "fee", grouped)
        self._fees = {k: Series([r for _, r in v]) for k, v in grouped.items()}
        self.fee_rows = [r for rows in grouped.values() for _, r in rows]

    def _load_charge_vat(self, reader: Reader) -> None:
        grouped: dict[str, list] = defaultdict(list)
        for line, rec in reader.rows:
            if rec["vat"] not in VAT_TREATMENTS:
                raise reader.fail(line, "vat", f"must be one of {list(VAT_TREATMENTS)}")
            row = ChargeVatRow(code=self._code(reader, line, rec), vat=rec["vat"], **reader.period(line, rec))
            grouped[row.code].append((line, row))
        check_series(reader, "charge VAT rule", grouped)
        self._charge_vat = {k: Series([r for _, r in v]) for k, v in grouped.items()}
        # Every duty or fee period needs its VAT rule for the whole period: no silent default.
        for row in [*self.duty_rows, *self.fee_rows]:
            series = self._charge_vat.get(row.code)
            first = series.rows[0].valid_from if series else None
            last = series.rows[-1].valid_to if series else date.min
            if series is None or first > row.valid_from or (
                last is not None and (row.valid_to is None or last < row.valid_to)
            ):
                raise reader.fail(
                    len(reader.rows) + 1, "code",
                    f"{row.code} ({row.where}) needs a VAT rule covering {row.valid_from} to "
                    f"{row.valid_to or 'open end'}",
                )

    def _load_customs_territory(self, reader: Reader) -> None:
        self.customs_territories: list[CustomsTerritoryRow] = []
        for line, rec in reader.rows:
            if rec["country"] not in country_codes():
                raise reader.fail(line, "country", f"{rec['country']!r} is no ISO 3166-1 alpha-2 code")
            try:
                pattern = re.compile(rec["postal_code_pattern"]) if rec["postal_code_pattern"] else None
            except re.error as exc:
                raise reader.fail(line, "postal_code_pattern", f"bad regular expression: {exc}") from None
            if not rec["territory"]:
                raise reader.fail(line, "territory", "name the territory")
            self.customs_territories.append(CustomsTerritoryRow(
                country=rec["country"], pattern=pattern, territory=rec["territory"], **reader.period(line, rec),
            ))

    def _load_rules(self, reader: Reader) -> None:
        grouped: dict[str, list] = defaultdict(list)
        for line, rec in reader.rows:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", rec["rule"]):
                raise reader.fail(line, "rule", "a rule is a lower-case name such as 'eu_vida_14a2'")
            row = RuleRow(rule=rec["rule"], **reader.period(line, rec))
            grouped[row.rule].append((line, row))
        check_series(reader, "rule", grouped)
        self._rules = {k: Series([r for _, r in v]) for k, v in grouped.items()}

    # ---- lookups (hot path: no I/O)

    def duties(self, regime: str, on: date) -> list[DutyRow]:
        """The duty rows of a regime in force on a date."""
        found = []
        for series in self._duties.values():
            row = series.at(on)
            if row is not None and row.regime == regime:
                found.append(row)
        return found

    def fees(self, country: str, on: date) -> list[FeeRow]:
        """The fee rows of a country in force on a date."""
        found = []
        for series in self._fees.values():
            row = series.at(on)
            if row is not None and row.country == country:
                found.append(row)
        return found

    def charge_vat(self, code: str, on: date) -> ChargeVatRow:
        """The VAT rule of a duty or fee on a date (the loader guarantees one exists)."""
        row = self._charge_vat[code].at(on)
        if row is None:  # pragma: no cover - the loader checked coverage
            raise RatesDataError(self.rates_dir / "charge_vat.csv", 0, f"no VAT rule for {code} on {on}")
        return row

    def customs_territory(self, country: str, postal_code: str | None, on: date) -> CustomsTerritoryRow | None:
        """A place outside the VAT area but inside the EU customs territory, if the address is one."""
        code = postal_code.replace(" ", "").upper() if postal_code else None
        for row in self.customs_territories:
            if row.country != country or not row.covers(on):
                continue
            if row.pattern is None or (code is not None and row.pattern.fullmatch(code)):
                return row
        return None

    def rule(self, name: str, on: date) -> RuleRow | None:
        """The row of a dated rule in force on a date, or ``None`` (not yet, or no longer)."""
        series = self._rules.get(name)
        return series.at(on) if series else None

    def require_rule(self, name: str) -> None:
        """Refuse to start when a rule the code reads has no row at all (a typo in rates/)."""
        if name not in self._rules:
            raise RatesDataError(self.rates_dir / "rules.csv", 0, f"rule {name!r} missing")


def data_version(ratebook_version: str, chargebook_version: str) -> str:
    """The content version of everything under rates/ a decision depends on (``rates_version``)."""
    return hashlib.sha256((ratebook_version + chargebook_version).encode()).hexdigest()[:12]


__all__ = ["Chargebook", "data_version", "DutyRow", "FeeRow", "ChargeVatRow", "CustomsTerritoryRow", "RuleRow"]
