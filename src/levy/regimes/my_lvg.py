"""MY_LVG (sales tax on low value goods, Malaysia, from 2024-01-01).

Sellers and online marketplace operators registered for low value goods (LVG) charge 10 %
sales tax on goods sold at a price not exceeding MYR 500 and brought into Malaysia by land, sea
or air (Sales Tax Act 2018 as amended for LVG; Sales Tax (Determination of Low Value Goods)
Order 2023, P.U.(A) 403/2023; charging began 2024-01-01 after two deferrals). Cigarettes,
tobacco, liquor and vaping products are excluded. Unlike every other regime here, the tax base
is the sale value *without* transport, insurance and other charges: the decision's shipping
carries no tax (``Outcome.tax_shipping=False``).

Modelling decisions:

* per item (advisers: "RM500 each", per unit price): the dearest unit is tested, and an order
  holding an item above MYR 500 is ``ABOVE_THRESHOLD`` as a whole;
* goods already in Malaysia are outside LVG: ``SELLER_LIABLE``;
* no business-buyer exclusion was found and python-stdnum has no Malaysian SST number: a
  buyer's number changes nothing (no ``B2B_VALID_VAT_NUMBER``); only an exemption voucher can;
* Labuan, Langkawi, Tioman, Pangkor and the special areas count as Malaysia for LVG, so they
  have no ``special_territories.csv`` row.

References:
    https://www.skrine.com/insights/alerts/december-2023/replacement-for-sales-tax-determination-of-low-val
    https://reanda-international.com/news/malaysia-sales-tax-on-low-value-goods-lvg
    https://www.ey.com/en_gl/technical/tax-alerts/malaysia-to-impose-sales-tax-on-imports-of-low-value-goods-from-
"""

from __future__ import annotations

from levy.codes import Reason, Scheme
from levy.context import OrderContext, Outcome
from levy.explain import TEMPLATES as SHARED, said
from levy.regimes import _common
from levy.regimes._unit import BuyerId, END_OF_NEXT_MONTH, FilingFacts

REGIME = "my_lvg"
FILINGS = {
    "MY_LVG": FilingFacts(
        "quarter", "MYR", END_OF_NEXT_MONTH,
        "no LVG rule found: Levy converts at ECB rates crossed through the euro",
        "Sales Tax Act 2018 Part IVA (LVG) and Sales Tax (Low Value Goods) Regulations: three-month taxable period, return by the end of the following month",
    ),
}
THRESHOLDS = (("MY_LVG", "my_lvg_threshold_myr"),)
BUYER_ID = BuyerId((), "SST number")
"""No business-buyer exclusion was found, and python-stdnum has no Malaysian SST number."""
SCHEMES = tuple(Scheme(code) for code in FILINGS)

RULE = "Sales Tax Act 2018 (LVG) and P.U.(A) 403/2023 (online marketplace operator)"


def decide(ctx: OrderContext) -> Outcome:
    order = ctx.order
    # LVG covers all goods except cigarettes, tobacco, liquor and vaping products.
    if excluded := _common.excise_goods(ctx, "P.U.(A) 403/2023 (tobacco and liquor excluded)", "LVG"):
        return excluded

    # LVG are goods brought into Malaysia; goods already there are ordinary taxable goods.
    if local := _common.imports_only(ctx, REGIME, "Sales Tax Act 2018 (LVG: goods brought into Malaysia only)", "LVG", "sales tax"):
        return local

    # "sold at a price not exceeding RM500", per item, transport and insurance excluded.
    above, facts, found = _common.low_value_import(
        ctx, Scheme.MY_LVG, "my_lvg_threshold_myr", "item",
        "P.U.(A) 403/2023 (items <= MYR 500 only)", "sales tax",
    )
    if above:
        return above

    # No B2B carve-out found: only the buyer's exemption voucher can take the order out.
    excluded, found = _common.exemption_voucher(ctx, _common.VOUCHER_RULE, found)
    if excluded:
        return excluded
    if order.buyer.vat_number:
        facts = facts.and_then(said(SHARED["number_ignored"], number=order.buyer.vat_number))
    # The LVG tax base is the goods' value without transport and insurance.
    return _common.collect(
        ctx, Scheme.MY_LVG, Reason.DEEMED_SUPPLIER_IMPORT, RULE, facts, "sales tax", found,
        tax_shipping=False,
    )
