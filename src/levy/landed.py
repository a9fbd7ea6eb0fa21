"""Landed cost: what duties and fees have in common (contract v1.1).

Both are charged only where the platform answers for the import: the consignment is an
imported consignment the platform is the deemed supplier of (``EU_IOSS``, VAT Directive
Art. 14a(1)), or a consumer consignment into a place inside the EU customs territory but outside
its VAT area (the Canary Islands: Union Customs Code Art. 4), where no VAT is collected but the
customs duty is still due. Both are converted from their legal currency at the rate the row names
(``levy.customs_fx`` for customs law) and carry VAT as ``rates/charge_vat.csv`` decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from levy.chargebook import Chargebook, CustomsTerritoryRow
from levy.codes import Reason, Scheme
from levy.customs_fx import CustomsRate, customs_rate
from levy.fx import EcbRates
from levy.models import EXCISE_CATEGORIES, Decision, FxLegFact, Order
from levy.money import HUNDRED, ZERO, quantize_minor, quantum, round_cents
from levy.ratebook import Ratebook

ART_78A = "VAT Directive Art. 78(a)"
ART_79C = "VAT Directive Art. 79(c)"


@dataclass(frozen=True, slots=True)
class ImportCase:
    """An import the platform answers for, and why."""

    country: str
    """The member state of destination (the address country)."""
    route: str
    """``ioss`` (deemed supplier under IOSS) or ``customs_territory`` (e.g. the Canary Islands)."""
    territory: CustomsTerritoryRow | None
    value: Decimal
    """The consignment's intrinsic value in the order's currency (the decision's line nets)."""


@dataclass(frozen=True, slots=True)
class Converted:
    """An amount in a charge's legal currency turned into the order's currency."""

    amount: Decimal
    """In the order's currency, rounded half-up to its minor unit."""
    text: str
    """How it was converted, for ``basis``."""
    leg: FxLegFact | None
    stale: bool = False


def import_case(order: Order, decision: Decision, book: Ratebook, charges: Chargebook) -> ImportCase | None:
    """Whether the platform answers for an import of this order, and on which route."""
    value = sum((line.net for line in decision.lines), ZERO)
    if decision.scheme == Scheme.EU_IOSS:
        return ImportCase(order.ship_to.country, "ioss", None, value)
    if decision.reason != Reason.SPECIAL_TERRITORY or order.channel != "online":
        return None
    on = order.placed_on
    row = charges.customs_territory(order.ship_to.country, order.ship_to.postal_code, on)
    if row is None:
        return None
    # An import: dispatched from outside the Union (a member state's stock is Union goods).
    if order.ship_from in book.regime_countries("eu", on):
        return None
    # Consumers only: a VAT number says a business buys (CIR 282/2011 Art. 5d by analogy), and
    # excise goods never travel as low-value e-commerce consignments under the platform's control.
    if order.buyer.vat_number is not None or any(l.category in EXCISE_CATEGORIES for l in order.lines):
        return None
    return ImportCase(order.ship_to.country, "customs_territory", row, value)


def convert(amount: Decimal, currency: str, order_currency: str, method: str, fx: EcbRates, on: date) -> Converted:
    """Convert a charge's amount into the order's currency by the row's method.

    ``customs_monthly``: the customs rate of UCC-IA Art. 146 (``levy.customs_fx``);
    ``ecb_daily``: the ECB rate of ``placed_at``'s date (crossed through EUR).
    """
    if currency == order_currency:
        return Converted(quantize_minor(amount, order_currency), f"{currency} {amount}", None)
    if method == "customs_monthly" and currency == "EUR":
        rate: CustomsRate = customs_rate(fx, order_currency, on)
        converted = quantize_minor(amount * rate.rate, order_currency)
        return Converted(converted, f"{currency} {amount} at {rate.describe()}", rate.leg, rate.stale)
    conversion = fx.conversion(currency, order_currency, on)
    converted = quantize_minor(amount * conversion.factor, order_currency)
    legs = conversion.legs
    return Converted(
        converted,
        f"{currency} {amount} at the ECB rate of {conversion.on} "
        f"(1 {currency} = {conversion.cross_text} {order_currency})",
        legs[0] if legs else None,
        conversion.stale,
    )


def value_in(value: Decimal, order_currency: str, limit_currency: str, method: str, fx: EcbRates, on: date) -> Decimal:
    """The consignment's value in a limit's currency (rounded half-up to the cent)."""
    if order_currency == limit_currency:
        return round_cents(value)
    if method == "customs_monthly" and limit_currency == "EUR":
        return round_cents(value / customs_rate(fx, order_currency, on).rate)
    return round_cents(value * fx.conversion(order_currency, limit_currency, on).factor)


def charge_vat(net: Decimal, nets: list[Decimal], rates: list[Decimal], treatment: str, currency: str) -> Decimal:
    """VAT on a recharged duty or fee.

    ``as_goods`` (Art. 78(a)): the charge is part of the consideration for the goods it belongs to,
    so it takes their rates, shared in proportion to their nets and rounded once (as shipping does).
    ``none``: outside the taxable amount. Where the platform collects no VAT the rates are 0.
    """
    if treatment == "none" or not net:
        return quantize_minor(ZERO, currency)
    total = sum(nets, ZERO)
    weights = nets if total else [Decimal(1)] * len(nets)
    weight_sum = total or Decimal(len(nets))
    exact = net * sum((w * r for w, r in zip(weights, rates)), ZERO) / (weight_sum * HUNDRED)
    return exact.quantize(quantum(currency), ROUND_HALF_UP)


def vat_rule_text(treatment: str) -> str:
    return (
        f"VAT as part of the goods' taxable amount ({ART_78A})" if treatment == "as_goods"
        else f"no VAT on it ({ART_79C} / not consideration)"
    )


__all__ = ["ImportCase", "Converted", "import_case", "convert", "value_in", "charge_vat", "vat_rule_text"]
