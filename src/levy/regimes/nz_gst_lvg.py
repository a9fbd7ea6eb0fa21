"""NZ_GST_LVG (GST on low-value imported goods, New Zealand, from 2019-12-01).

GST at 15 % applies to distantly taxable goods supplied to a person in New Zealand who is not
GST-registered (Goods and Services Tax Act 1985 s.8(3)(ab)); an operator of an electronic
marketplace is the supplier (s.60C). Distantly taxable goods (s.4B) are items that are not
alcohol or tobacco, are outside New Zealand when supplied by a non-resident underlying supplier,
and *each* have an estimated customs value of NZD 1,000 or less: the price less transport,
insurance, GST and duty (s.10B).

Modelling decisions:

* per item: the dearest unit is tested. An item above NZD 1,000 is a separate supply in law
  (s.4B(2)); an order gets one decision, so an order holding one is ``ABOVE_THRESHOLD`` as a
  whole (the supplier's election to charge anyway, s.10C, is not modelled);
* goods already in New Zealand, and sales by an underlying supplier resident in New Zealand
  (s.4B(1)(c)(ii)), fall under the ordinary rules: ``SELLER_LIABLE``;
* a GST-registered buyer who gives its registration number (the IRD number, python-stdnum
  ``nz.ird``) is outside the regime (s.8BB): ``B2B_VALID_VAT_NUMBER``. The New Zealand Business
  Number that s.8BB also accepts has no stdnum module and is not recognised.

References:
    https://www.legislation.govt.nz/act/public/1985/0141/latest/LMS288546.html
    https://www.legislation.govt.nz/act/public/1985/0141/latest/LMS288999.html
    https://www.ird.govt.nz/gst/gst-for-overseas-businesses/gst-on-low-value-imported-goods/what-low-value-goods-are
"""

from __future__ import annotations

from levy.codes import Reason, Scheme
from levy.context import OrderContext, Outcome
from levy.explain import Country, said
from levy.regimes import _common
from levy.regimes._unit import BuyerId, DueRule, FilingFacts

REGIME = "nz_gst_lvg"
FILINGS = {
    "NZ_GST_LVG": FilingFacts(
        "quarter", "NZD",
        DueRule("day 28 of the month after the quarter (7 May for the March quarter)", day=28, by_period_end_month=((3, 2, 7),)),
        "spot rate at the time of supply or a Commissioner-approved method (GST Act 1985 s.77)",
        "GST Act 1985 s.15 (three-month taxable periods for non-resident suppliers) and s.16; Tax Administration Act 1994 (28th, 7 May for March)",
    ),
}
THRESHOLDS = (("NZ_GST_LVG", "nz_lvg_threshold_nzd"),)
BUYER_ID = BuyerId(("ird",), "GST (IRD) number")
SCHEMES = tuple(Scheme(code) for code in FILINGS)

RULE = "GST Act 1985 s.8(3)(ab), s.4B and s.60C (marketplace operator)"
TEMPLATES = {
    "resident_seller": "Goods dispatched from {origin} sold by a seller resident in New Zealand: not distantly "
                       "taxable goods, so the seller accounts for the GST under the ordinary rules.",
}
"""s.4B(1)(c)(ii): a resident underlying supplier's goods are not distantly taxable goods."""


def decide(ctx: OrderContext) -> Outcome:
    order = ctx.order
    # s.4B(1)(b): alcoholic beverages, tobacco and tobacco products are not distantly taxable.
    if excluded := _common.excise_goods(ctx, "GST Act 1985 s.4B(1)(b)", "the low-value goods regime"):
        return excluded

    # s.4B(1)(c)(i): distantly taxable goods are outside New Zealand when supplied.
    if local := _common.imports_only(ctx, REGIME, "GST Act 1985 s.4B(1)(c) (goods outside New Zealand)", "the low-value goods regime", "GST"):
        return local
    # s.4B(1)(c)(ii): through a marketplace, only a non-resident underlying supplier's goods are.
    if ctx.vat_country(order.seller.country, REGIME) is not None:
        return _common.not_collected(
            Reason.SELLER_LIABLE, "GST Act 1985 s.4B(1)(c)(ii) (non-resident underlying supplier)",
            said(TEMPLATES["resident_seller"], origin=Country(order.ship_from)),
        )

    # s.4B(1)(e) with s.10B: each item's estimated customs value <= NZD 1,000.
    above, facts, found = _common.low_value_import(
        ctx, Scheme.NZ_GST_LVG, "nz_lvg_threshold_nzd", "item",
        "GST Act 1985 s.4B(1)(e) and s.10B (items <= NZD 1,000 only)", "GST",
    )
    if above:
        return above

    # s.8BB: a recipient who gives its registration number is a registered person.
    excluded, found = _common.buyer_exclusions(ctx, "GST Act 1985 s.8(3)(ab) and s.8BB (registered recipient)", BUYER_ID.kinds, BUYER_ID.label, found=found)
    if excluded:
        return excluded
    return _common.collect(ctx, Scheme.NZ_GST_LVG, Reason.DEEMED_SUPPLIER_IMPORT, RULE, facts, "GST", found)
