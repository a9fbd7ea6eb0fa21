"""Customs duties charged at checkout (contract v1.1 ``duties``): the EU flat duty.

Council Regulation (EU) 2026/382 deletes the duty relief for consignments of negligible value
(Regulation (EC) No 1186/2009 Art. 23-24) and, until the EU Customs Data Hub applies the normal
tariff, charges a flat customs duty of EUR 3 per **distinct tariff line** of a consignment of an
intrinsic value up to EUR 150, from 2026-07-01 until 2028-07-01 (``rates/duties.csv``). Delegated
Regulation (EU) 2026/1022 and Implementing Regulation (EU) 2026/1200 adapt the declaration data:
an IOSS consignment is declared on the H7 dataset, one declaration line per group of goods with
the same tariff classification (the quantity in the description), and the H7 commodity code is
the 6-digit HS subheading. Levy groups lines by the first ``group_digits`` (6) digits of their
``hs_code``; a line without ``hs_code`` counts as its own tariff line and the decision warns
``HS_CODE_MISSING``. Five T-shirts are one tariff line (EUR 3); shoes, two dolls and five
T-shirts are three (EUR 9).

The duty is a customs debt of the declarant (the platform as deemed supplier, or its
representative), paid at import and not through the IOSS return. The amount is converted into
the order's currency at the monthly customs rate (``levy.customs_fx``).

References:
    https://eur-lex.europa.eu/eli/reg/2026/382/oj/eng
    https://mano.muitine.lt/en/knowledge-bank/focus/e-commerce-eu3-flat-rate-customs-duty
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from levy.chargebook import Chargebook, DutyRow
from levy.codes import WarningCode
from levy.fx import EcbRates
from levy.landed import ImportCase, charge_vat, convert, value_in, vat_rule_text
from levy.models import Decision, DutyLine, FxLegFact, Line, Order
from levy.money import ZERO


@dataclass(frozen=True, slots=True)
class DutyAssessment:
    duties: list[DutyLine]
    warnings: tuple[WarningCode, ...]
    fx_legs: tuple[FxLegFact, ...]
    explanation: str
    """One sentence for the decision's explanation ('' when no duty)."""


NONE = DutyAssessment([], (), (), "")


def tariff_lines(lines: list[Line], digits: int) -> dict[str, list[int]]:
    """Group order lines into tariff lines: by the first ``digits`` of ``hs_code``; a line
    without one is its own (``line:<sku>``, made unique by position if a SKU repeats).

    >>> from levy.models import Line
    >>> shirts = [Line(sku=f"T{i}", quantity=1, unit_price="5", category="general", hs_code="6109.10.00") for i in range(5)]
    >>> list(tariff_lines(shirts, 6))
    ['610910']
    """
    groups: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        if line.hs_code is not None:
            key = line.hs_code[:digits]
        else:
            key = f"line:{line.sku}"
            if key in groups:
                key = f"line:{line.sku}#{i}"
        groups.setdefault(key, []).append(i)
    return groups


def assess(order: Order, decision: Decision, case: ImportCase | None, charges: Chargebook, fx: EcbRates) -> DutyAssessment:
    """The duties of one order, after the regime's decision.

    Args:
        case: the import the platform answers for (``levy.landed.import_case``), or ``None``.
    """
    if case is None:
        return NONE
    on, currency = order.placed_on, order.currency
    duties: list[DutyLine] = []
    warnings: list[WarningCode] = []
    legs: list[FxLegFact] = []
    notes: list[str] = []
    for row in charges.duties("eu", on):
        # The IOSS route has passed the regime's EUR 150 test; the customs-territory route tests
        # here, at the customs rate, the intrinsic value (UCC-DA Art. 1(48)).
        if case.route != "ioss":
            value = value_in(case.value, currency, row.limit_currency, row.fx, fx, on)
            if value > row.value_limit:
                continue
        found, missing, leg, stale = _charge(order, decision, row, charges, fx)
        duties.extend(found)
        if missing:
            warnings.append(WarningCode.HS_CODE_MISSING)
        if stale:
            warnings.append(WarningCode.FX_RATE_STALE)
        if leg is not None:
            legs.append(leg)
        if found:
            net = sum((d.net for d in found), ZERO)
            vat = sum((d.vat for d in found), ZERO)
            place = f" ({case.territory.territory}, inside the EU customs territory)" if case.territory else ""
            notes.append(
                f"Customs duty{place}: {row.currency} {row.amount} per distinct tariff line x "
                f"{len(found)} = {currency} {net} plus {currency} {vat} VAT (Council Regulation (EU) "
                "2026/382), customs debt paid at import, outside the IOSS VAT return."
            )
    if not duties:
        return NONE
    return DutyAssessment(duties, tuple(warnings), tuple(legs), " ".join(notes))


def _charge(
    order: Order, decision: Decision, row: DutyRow, charges: Chargebook, fx: EcbRates
) -> tuple[list[DutyLine], bool, FxLegFact | None, bool]:
    """One duty row's charges (one per tariff line), whether a line lacked ``hs_code``, the FX
    leg, and whether that rate is stale."""
    on, currency = order.placed_on, order.currency
    converted = convert(row.amount, row.currency, currency, row.fx, fx, on)
    treatment = charges.charge_vat(row.code, on).vat
    vat_text = vat_rule_text(treatment)
    groups = tariff_lines(order.lines, row.group_digits)
    missing = False
    found = []
    for key, indexes in groups.items():
        if key.startswith("line:"):
            missing = True
        nets = [decision.lines[i].net for i in indexes]
        rates = [Decimal(decision.lines[i].rate_percent) for i in indexes]
        vat = charge_vat(converted.amount, nets, rates, treatment if decision.collect else "none", currency)
        what = f"HS {key}" if not key.startswith("line:") else "a line without hs_code, counted alone"
        found.append(DutyLine(
            code=row.code, tariff_line=key, skus=[order.lines[i].sku for i in indexes],
            net=converted.amount, vat=vat, gross=converted.amount + vat,
            basis=(
                f"{row.currency} {row.amount} per distinct tariff line ({what}; first {row.group_digits} digits), "
                f"{converted.text}; {vat_text if decision.collect else 'no VAT collected on this order'}; "
                f"{row.source}"
            ),
        ))
    return found, missing, converted.leg, converted.stale


__all__ = ["DutyAssessment", "assess", "tariff_lines"]
