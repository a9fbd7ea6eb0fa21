"""What a regime sees of one order (``OrderContext``) and what it answers (``Outcome``).

The context computes each fact once, lazily: the destination's rate rows, the line nets
(extracted from tax-inclusive prices when needed), threshold conversions and buyer checks.
It is read-only: a regime's ``decide`` returns everything it found (the threshold tested, the
warnings) inside its immutable ``Outcome``, so a decision is a value of the order and the
reference data alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from levy._lazy import cached_property
from levy.chargebook import Chargebook, RuleRow
from levy.codes import Reason, Scheme, WarningCode
from levy.discounts import LineDiscounts, allocate
from levy.explain import Said
from levy.fx import Conversion, EcbRates
from levy.identifiers import ExemptionCheck, NumberCheck, check_exemption, check_vat_number
from levy.models import EXCISE_CATEGORIES, Order, ThresholdFact
from levy.money import HUNDRED, quantize_minor, round_cents
from levy.ratebook import CoverageRow, RateRow, Ratebook, TariffRateRow


@dataclass(frozen=True, slots=True)
class Destination:
    """Where the tax is due: the address resolved through ``special_territories.csv``."""

    country: str
    """Address country as sent (``ship_to.country``)."""
    tax_country: str
    """The contract's ``tax_country``: ``FR`` for Monaco, ``PT`` for Madeira."""
    tax_area: str
    """Key of the rate series: ``FR``, ``PT-30``..."""
    territory: str | None
    """Name of the special territory, when one matched."""


@dataclass(frozen=True, slots=True)
class Findings:
    """What the steps of a decision found on the way, kept whatever the outcome.

    Steps pass it along as a value (``noting`` returns a new one); the deciding step puts it
    into the ``Outcome``.
    """

    threshold: ThresholdFact | None = None
    """The last low-value limit tested (the decision's ``facts.threshold``)."""
    warnings: tuple[WarningCode, ...] = ()
    """Warning codes in the order they were found, each once."""

    def noting(self, *codes: WarningCode) -> Findings:
        """These findings with ``codes`` added (each code kept once, first place wins)."""
        fresh = tuple(c for c in dict.fromkeys(codes) if c not in self.warnings)
        return Findings(self.threshold, self.warnings + fresh) if fresh else self


NOTHING_FOUND = Findings()
"""The findings of a decision that has tested nothing and noted nothing yet."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """A regime's answer, immutable: the reason, the scheme when collecting, the rule and why,
    with the threshold tested and the warnings found on the way."""

    reason: Reason
    scheme: Scheme | None
    rule: str
    """The legal basis applied, e.g. ``VAT Directive Art. 14a(1)``."""
    said: Said
    """What was found, as a declared template and its facts: ``levy.explain`` writes the words."""
    threshold: ThresholdFact | None = None
    warnings: tuple[WarningCode, ...] = field(default=())
    tax_shipping: bool = True
    """Whether the transport charge is in the tax base (it is everywhere but Malaysia's LVG)."""

    @property
    def collect(self) -> bool:
        return self.reason.collects


class OrderContext:
    """One order as a regime sees it. Built by the engine; read-only.

    Its lazy facts are computed once and cached; nothing else can be set on it, so two regimes
    (or two calls) asking the same question get the same answer.
    """

    order: Order
    on: date
    book: Ratebook
    fx: EcbRates
    destination: Destination
    coverage: CoverageRow
    currency: str

    def __init__(
        self, order: Order, book: Ratebook, fx: EcbRates, destination: Destination,
        coverage: CoverageRow, rules: Chargebook | None = None,
        discounts: LineDiscounts | None = None,
    ) -> None:
        # The lazy facts (``cached_property``) also store into ``__dict__``: the only writes.
        self.__dict__.update(
            order=order, on=order.placed_on, book=book, fx=fx, destination=destination,
            coverage=coverage, currency=order.currency, rules=rules,
            discounts=discounts if discounts is not None else allocate(order),
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"OrderContext is read-only: a regime returns what it found ({name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"OrderContext is read-only ({name!r})")

    # ---- goods

    @cached_property
    def excise_skus(self) -> list[str]:
        return [line.sku for line in self.order.lines if line.category in EXCISE_CATEGORIES]

    @cached_property
    def rate_rows(self) -> list[RateRow | TariffRateRow]:
        """The destination's rate row for each line: by tariff code where the law keys the rate
        on it (``vat_rates_by_tariff.csv``), else by category. Excise lines have a row only where
        a regime taxes them (Switzerland); the other regimes stop before rating them."""
        area = self.destination.tax_area
        # Category is a StrEnum: the member itself is the string key (no slow ``.value``).
        return [self.book.line_rate(area, line.category, line.hs_code, self.on) for line in self.order.lines]

    @cached_property
    def line_stated(self) -> list[Decimal]:
        """Each line's stated amount (quantity x unit price) less its seller-funded discounts: the
        price actually paid or payable for the goods (VAT Directive Art. 79(b); UCC-DA
        Art. 1(48)). Platform-funded discounts leave the seller's price, and this, unchanged."""
        return [line.unit_price * line.quantity - off
                for line, off in zip(self.order.lines, self.discounts.seller)]

    @cached_property
    def line_nets(self) -> list[Decimal]:
        """Line values net of the destination tax: stated, or extracted when prices include it."""
        if not self.order.prices_include_vat:
            return self.line_stated
        return [
            gross - extract_vat(gross, row.rate_percent, self.currency)
            for gross, row in zip(self.line_stated, self.rate_rows)
        ]

    @cached_property
    def intrinsic_value(self) -> Decimal:
        """Sum of the line nets, without separately stated transport (UCC-DA Art. 1(48))."""
        return sum(self.line_nets, Decimal(0))

    @cached_property
    def unit_nets(self) -> list[Decimal]:
        """Net value of one unit of each line (per-item thresholds)."""
        return [net / line.quantity for net, line in zip(self.line_nets, self.order.lines)]

    @cached_property
    def dearest_item(self) -> tuple[str, Decimal]:
        """``(sku, unit net)`` of the dearest unit: the item a per-item limit is tested on.

        If the dearest unit is within a per-item limit, every unit is; ties go to the first line.
        """
        i = max(range(len(self.unit_nets)), key=self.unit_nets.__getitem__)
        return self.order.lines[i].sku, self.unit_nets[i]

    # ---- places

    def vat_country(self, code: str, regime: str) -> str | None:
        """The country of ``regime``'s area that an address country belongs to, if any.

        Country-wide special territories count: Monaco belongs to FR's area, Åland (AX) to none.
        """
        row = self.book.territory(code, None, self.on)
        if row is not None and row.pattern is None:
            if row.treatment == "outside":
                return None
            code = row.tax_area.split("-")[0]
        return code if code in self.book.regime_countries(regime, self.on) else None

    # ---- thresholds

    def threshold(
        self, scheme: Scheme, name: str, value: Decimal, basis: str = "consignment",
        found: Findings = NOTHING_FOUND, conversion: Conversion | None = None,
    ) -> Findings:
        """Test ``value`` (order currency) against a threshold row, converting at the ECB rate,
        or at ``conversion`` where the regime's law names another rate (Chile's observed dollar).

        Returns:
            ``found`` with the fact tested as its ``threshold`` (``.threshold.within`` says
            whether the value is inside the limit) and ``FX_RATE_STALE`` noted when the ECB rate
            used is stale.
        """
        row = self.book.threshold(scheme, name, self.on)
        stale = False
        if row.currency == self.currency:
            converted, fx_rate, fx_date, fx_source = round_cents(value), None, None, None
            fx_legs = ()
        else:
            conv = conversion or self.fx.conversion(self.currency, row.currency, self.on)
            converted = round_cents(value * conv.factor)
            fx_rate, fx_date, fx_source, fx_legs = conv.cross_text, conv.on, conv.source, conv.legs
            stale = conv.stale
        within = converted <= row.amount if row.inclusive else converted < row.amount
        fact = ThresholdFact(
            name=row.name, limit=row.amount, limit_currency=row.currency, inclusive=row.inclusive,
            basis=basis, value=quantize_minor(value, self.currency), converted_value=converted,
            fx_rate=fx_rate, fx_date=fx_date, fx_source=fx_source, within=within,
            valid_from=row.valid_from, source=row.source, fx_legs=fx_legs,
        )
        tested = Findings(fact, found.warnings)
        return tested.noting(WarningCode.FX_RATE_STALE) if stale else tested

    def item_threshold(self, scheme: Scheme, name: str, found: Findings = NOTHING_FOUND) -> tuple[Findings, str]:
        """Test a per-item limit on the dearest unit; returns the findings and that unit's SKU."""
        sku, unit_net = self.dearest_item
        return self.threshold(scheme, name, unit_net, "item", found), sku

    # ---- dated rules

    def rule_in_force(self, name: str) -> RuleRow | None:
        """The ``rates/rules.csv`` row of a rule in force on ``placed_at``'s date, if any."""
        return self.rules.rule(name, self.on) if self.rules is not None else None

    # ---- buyer

    def buyer_number(self, id_kind: str = "vat") -> NumberCheck | None:
        number = self.order.buyer.vat_number
        if number is None:
            return None
        return check_vat_number(number, self.destination.tax_country, id_kind)

    def exemption(self) -> ExemptionCheck | None:
        voucher = self.order.buyer.exemption
        if voucher is None:
            return None
        return check_exemption(
            voucher.certificate_id, voucher.country, voucher.valid_from, voucher.valid_to,
            self.destination.tax_country, self.on,
        )


def extract_vat(gross: Decimal, rate_percent: Decimal, currency: str) -> Decimal:
    """VAT inside a tax-inclusive amount: gross x rate / (100 + rate), rounded half-up."""
    return quantize_minor(gross * rate_percent / (HUNDRED + rate_percent), currency)
