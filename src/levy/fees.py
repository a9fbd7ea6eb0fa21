"""Fees the law makes the platform collect per item, line or parcel (contract v1.1 ``fees``).

National handling fees on low-value imports (France's small-parcels tax, Italy's customs
contribution, Romania's logistics tax) and the EU handling fee of the customs reform are rows
of ``rates/fees.csv``: amount, currency, unit (``item``, ``line``, ``parcel``), optional value
limit, the conversion method and the period. A row enters only with a primary legal source
(Légifrance, Gazzetta Ufficiale, Monitorul Oficial, EUR-Lex); ``rates/README.md`` lists the fees
found but not confirmed. VAT on each fee is a dated row of ``rates/charge_vat.csv``.

Fees apply on the same imports as the duty (``levy.landed.import_case``), in the destination
member state named by the row's ``country``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from levy.chargebook import Chargebook, FeeRow
from levy.fx import EcbRates
from levy.landed import ImportCase, charge_vat, convert, value_in, vat_rule_text
from levy.models import Decision, FeeLine, FxLegFact, Order
from levy.money import ZERO, quantize_minor


@dataclass(frozen=True, slots=True)
class FeeAssessment:
    fees: list[FeeLine]
    fx_legs: tuple[FxLegFact, ...]
    explanation: str


NONE = FeeAssessment([], (), "")


def units(order: Order, per: str) -> int:
    """How many times a fee is due: each unit (``item``), each order line, or once (``parcel``)."""
    if per == "item":
        return sum(line.quantity for line in order.lines)
    if per == "line":
        return len(order.lines)
    return 1


def assess(order: Order, decision: Decision, case: ImportCase | None, charges: Chargebook, fx: EcbRates) -> FeeAssessment:
    """The fees of one order, after the regime's decision."""
    if case is None:
        return NONE
    on, currency = order.placed_on, order.currency
    fees: list[FeeLine] = []
    legs: list[FxLegFact] = []
    notes: list[str] = []
    nets = [line.net for line in decision.lines]
    rates = [Decimal(line.rate_percent) for line in decision.lines]
    for row in charges.fees(case.country, on):
        if row.value_limit is not None:
            value = value_in(case.value, currency, row.limit_currency, row.fx, fx, on)
            if value > row.value_limit:
                continue
        fee = _fee(order, decision, row, charges, fx, nets, rates)
        fees.append(fee[0])
        if fee[1] is not None:
            legs.append(fee[1])
        notes.append(f"{row.code}: {currency} {fee[0].gross} ({row.source}).")
    if not fees:
        return NONE
    return FeeAssessment(fees, tuple(legs), "Fees: " + " ".join(notes))


def _fee(order: Order, decision: Decision, row: FeeRow, charges: Chargebook, fx: EcbRates,
         nets: list[Decimal], rates: list[Decimal]) -> tuple[FeeLine, FxLegFact | None]:
    on, currency = order.placed_on, order.currency
    count = units(order, row.per)
    converted = convert(row.amount, row.currency, currency, row.fx, fx, on)
    net = quantize_minor(converted.amount * count, currency)
    treatment = charges.charge_vat(row.code, on).vat if decision.collect else "none"
    vat = charge_vat(net, nets, rates, treatment, currency) if net else quantize_minor(ZERO, currency)
    basis = (
        f"{row.currency} {row.amount} per {row.per} x {count}, {converted.text}; "
        f"{vat_rule_text(treatment) if decision.collect else 'no VAT collected on this order'}; {row.source}"
    )
    return FeeLine(row.code, row.country, [l.sku for l in order.lines], net, vat, net + vat, basis), converted.leg


__all__ = ["FeeAssessment", "assess", "units"]
