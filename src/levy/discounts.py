"""Discounts (coupons and promotions at checkout) and what they do to the taxable amount.

A discount is ``{"code", "funded_by", "amount", "skus"}`` (contract v1.1). It is shared among the
lines it names (the whole order when it names none) in proportion to their stated values, and
rounded per line by the largest-remainder method in minor units, so the line shares add up to
the discount exactly and every line keeps ``gross == net + vat``.

* **Seller-funded**: the seller lowers its price. The price reduction granted to the customer at
  the time of the supply is not in the taxable amount (VAT Directive Art. 79(b)); it also lowers
  the intrinsic value, the price actually paid or payable for the goods themselves (UCC-DA
  Art. 1(48); UCC Art. 70(1)-(2)), on which the EUR 150 and the other low-value limits are tested.
* **Platform-funded**: the platform pays the seller the difference. Whether that subsidy is in the
  taxable amount is each regime's law, kept as data in ``rates/platform_discounts.csv``:
  ``reduces`` (the platform is the supplier the regime taxes and the coupon is its own price
  reduction) or ``included`` (the subsidy is consideration from a third party, Art. 73). The
  seller's price is unchanged, so a platform coupon never lowers the value a threshold tests.
  When nothing is collected the platform is not the supplier: the seller's taxable amount keeps
  the subsidy (Art. 73 "from the customer or a third party"; Case C-317/94 *Elida Gibbs*,
  para. 28-31), and the decision line shows only the seller's discounts.

References:
    VAT Directive 2006/112/EC Art. 14a, 73, 79(b):
    https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:02006L0112-20220415
    Case C-126/88 *Boots* (the supplier's own coupon is a discount, not consideration):
    https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:61988CJ0126
    Case C-317/94 *Elida Gibbs*:
    https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:61994CJ0317

>>> from decimal import Decimal as D
>>> share(D("10.00"), [D("60.00"), D("30.00")], "USD")
[Decimal('6.67'), Decimal('3.33')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from levy.datafiles import default_rates_dir
from levy.errors import FieldError, InvalidOrder, RatesDataError
from levy.models import Order
from levy.money import ZERO, quantize_minor, quantum
from levy.ratebook import _Reader, _Series, _check_series

RULES_FILE = "platform_discounts.csv"
RULES_HEADER = "regime,treatment,law,valid_from,valid_to,source,retrieved,note"
Treatment = Literal["reduces", "included"]


def share(amount: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """``amount`` shared in proportion to ``weights``, rounded to the minor unit so that the parts
    sum to ``amount`` exactly (largest remainder; ties go to the first line). Equal parts when
    every weight is zero."""
    q = quantum(currency)
    amount = quantize_minor(amount, currency)
    total = sum(weights, ZERO)
    if not total:
        weights, total = [Decimal(1)] * len(weights), Decimal(len(weights))
    exact = [amount * w / total for w in weights]
    parts = [e.quantize(q, ROUND_FLOOR) for e in exact]
    left = int((amount - sum(parts, ZERO)) / q)
    order = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += q
    return parts


@dataclass(frozen=True, slots=True)
class LineDiscounts:
    """Each line's share of the order's discounts, by who funds them (order currency)."""

    seller: tuple[Decimal, ...]
    platform: tuple[Decimal, ...]
    codes: tuple[str, ...]
    """``code`` of every discount, in order."""

    @property
    def any_platform(self) -> bool:
        return any(self.platform)

    @property
    def seller_total(self) -> Decimal:
        return sum(self.seller, ZERO)

    @property
    def platform_total(self) -> Decimal:
        return sum(self.platform, ZERO)


@lru_cache(maxsize=256)
def _none(currency: str, count: int) -> LineDiscounts:
    zeros = (quantize_minor(ZERO, currency),) * count
    return LineDiscounts(zeros, zeros, ())


def allocate(order: Order) -> LineDiscounts:
    """Share every discount among its lines.

    Raises:
        InvalidOrder: a line's discounts exceed its stated value (``discounts.N.amount``).
    """
    cur = order.currency
    count = len(order.lines)
    if not order.discounts:  # the usual case, on the quote's hot path
        return _none(cur, count)
    zero = quantize_minor(ZERO, cur)
    seller, platform = [zero] * count, [zero] * count
    stated = [line.unit_price * line.quantity for line in order.lines]
    errors: list[FieldError] = []
    for n, discount in enumerate(order.discounts):
        names = set(discount.skus or ())
        targets = [i for i, line in enumerate(order.lines) if not names or line.sku in names]
        parts = share(discount.amount, [stated[i] for i in targets], cur)
        into = seller if discount.funded_by == "seller" else platform
        for i, part in zip(targets, parts):
            into[i] += part
        if any(seller[i] + platform[i] > stated[i] for i in targets):
            errors.append(FieldError(
                f"discounts.{n}.amount",
                "brings a line's discounts above its value (quantity x unit_price)",
            ))
    if errors:
        raise InvalidOrder(errors, order.order_id)
    return LineDiscounts(tuple(seller), tuple(platform), tuple(d.code for d in order.discounts))


# --- the per-regime rule for platform-funded discounts ----------------------------------------


@dataclass(frozen=True, slots=True)
class DiscountRule:
    """One row of ``platform_discounts.csv``: how a regime treats a platform-funded discount."""

    regime: str
    treatment: Treatment
    law: str
    """The provisions applied, as the explanation names them."""
    valid_from: date
    valid_to: date | None
    source: str
    where: str


class DiscountRules:
    """``rates/platform_discounts.csv``, validated like the rates (errors name file:line:column).

    Regimes without a row keep a platform's subsidy in the taxable amount (the reading that
    never under-collects) and say so in the explanation.
    """

    def __init__(self, rates_dir: Path | str | None = None) -> None:
        path = Path(rates_dir or default_rates_dir()) / RULES_FILE
        if not path.is_file():
            raise RatesDataError(path, 0, "file missing")
        reader = _Reader(path, RULES_HEADER)
        series: dict[str, list] = {}
        for line, rec in reader.rows:
            if not rec["regime"]:
                raise reader.fail(line, "regime", "names no regime")
            if rec["treatment"] not in ("reduces", "included"):
                raise reader.fail(line, "treatment", f"{rec['treatment']!r} is not reduces or included")
            if not rec["law"]:
                raise reader.fail(line, "law", "every row names the provisions it applies")
            period = reader.period(line, rec)
            row = DiscountRule(rec["regime"], rec["treatment"], rec["law"], period["valid_from"],
                               period["valid_to"], period["source"], period["where"])
            series.setdefault(row.regime, []).append((line, row))
        _check_series(reader, "regime", series)
        self._series = {key: _Series([r for _, r in rows]) for key, rows in series.items()}
        self.regimes = frozenset(series)

    def rule(self, regime: str, on: date) -> DiscountRule | None:
        """The row in force on ``on``, or ``None`` when the data has none."""
        found = self._series.get(regime)
        return found.at(on) if found else None


def _money(amount: Decimal, currency: str) -> str:
    return f"{currency} {amount}"


def explain(
    discounts: LineDiscounts, currency: str, *, collect: bool, rule: DiscountRule | None,
    regime: str | None,
) -> str:
    """One sentence naming what the discounts did to the taxable amount and under which rule."""
    if not discounts.codes:
        return ""
    parts = []
    if discounts.seller_total:
        parts.append(
            f"Seller-funded discounts of {_money(discounts.seller_total, currency)} reduce the "
            "taxable amount and the value tested against the threshold (VAT Directive Art. 79(b); "
            "intrinsic value = price actually paid or payable)."
        )
    if discounts.platform_total:
        total = _money(discounts.platform_total, currency)
        if not collect:
            parts.append(
                f"Platform-funded discounts of {total} are consideration the seller obtains from a "
                "third party and stay in its taxable amount (Art. 73; C-317/94 Elida Gibbs)."
            )
        elif rule is None:
            parts.append(
                f"Platform-funded discounts of {total}: platform_discounts.csv states no rule for "
                f"{regime}, so the subsidy stays in the taxable amount (the reading that never "
                "under-collects)."
            )
        elif rule.treatment == "reduces":
            parts.append(
                f"Platform-funded discounts of {total} reduce the taxable amount: the platform is "
                f"the supplier taxed here and the coupon is its own price reduction ({rule.law}); "
                "the threshold is tested on the seller's price."
            )
        else:
            parts.append(
                f"Platform-funded discounts of {total} stay in the taxable amount as consideration "
                f"from a third party ({rule.law})."
            )
    return " ".join(parts)


__all__ = ["DiscountRule", "DiscountRules", "LineDiscounts", "allocate", "explain", "share"]
