"""SG_GST_LVG (GST on imported low-value goods, Singapore, from 2023-01-01).

Overseas vendors, electronic marketplace operators and redeliverers registered under the
Overseas Vendor Registration (OVR) regime charge GST on low-value goods sold to non-registered
buyers in Singapore (Goods and Services Tax Act 1993, as amended from 2023-01-01). Low-value
goods are not dutiable, are outside Singapore at the point of sale, are delivered by air or post
and have an entry value of SGD 400 or less per item: the price less transport and insurance to
Singapore (s.18A). The rate is 8 % in 2023 and 9 % from 2024-01-01 (rows of ``vat_rates.csv``).

Modelling decisions:

* per item: the dearest unit is tested, and an order holding an item above SGD 400 is
  ``ABOVE_THRESHOLD`` as a whole (import GST at the border);
* the contract carries no transport mode: every import is taken to travel by air or post (sea
  and land imports would be taxed at the border whatever their value);
* liquor and tobacco are dutiable, so never low-value goods: ``EXCISE_GOODS``;
* goods already in Singapore are the seller's ordinary supplies: ``SELLER_LIABLE``;
* a GST-registered buyer self-accounts by reverse charge: ``B2B_VALID_VAT_NUMBER`` for a
  number python-stdnum ``sg.uen`` accepts. GST numbers of the ``M..`` form (overseas vendors,
  some sole proprietors) have no stdnum check: they fail with ``VAT_NUMBER_INVALID`` and GST is
  collected.

References:
    http://iras.gov.sg/taxes/goods-services-tax-(gst)/gst-and-digital-economy/gst-on-imports-of-low-value-goods
    https://www.crowe.com/sg/insights/overseas-vendor-registration-regime---faqs
"""

from __future__ import annotations

from levy.codes import Reason, Scheme
from levy.context import OrderContext, Outcome
from levy.regimes import _common
from levy.regimes._unit import BuyerId, END_OF_NEXT_MONTH, FilingFacts

REGIME = "sg_gst_lvg"
FILINGS = {
    "SG_GST_LVG": FilingFacts(
        "quarter", "SGD", END_OF_NEXT_MONTH,
        "selling rate prevailing in Singapore at the time of supply (IRAS OVR e-Tax Guide)",
        "GST Act 1993 s.41 and GST (General) Regulations (three-month accounting periods); IRAS: due one month after the period",
    ),
}
THRESHOLDS = (("SG_GST_LVG", "sg_lvg_threshold_sgd"),)
BUYER_ID = BuyerId(("uen",), "GST registration number (UEN)")
SCHEMES = tuple(Scheme(code) for code in FILINGS)

RULE = "GST Act 1993 (Singapore), OVR for low-value goods (electronic marketplace operator)"


def decide(ctx: OrderContext) -> Outcome:
    # IRAS: low-value goods are goods that are not dutiable; liquor and tobacco are.
    if excluded := _common.excise_goods(ctx, "GST Act 1993 (Singapore): dutiable goods are not low-value goods", "the OVR for low-value goods"):
        return excluded

    # Low-value goods are located outside Singapore at the point of sale.
    if local := _common.imports_only(ctx, REGIME, "GST Act 1993 (Singapore): low-value goods are outside Singapore when sold", "the OVR", "GST"):
        return local

    # s.18A entry value <= SGD 400 per item, transport and insurance to Singapore excluded.
    above, facts, found = _common.low_value_import(
        ctx, Scheme.SG_GST_LVG, "sg_lvg_threshold_sgd", "item",
        "GST Act 1993 (Singapore) s.18A (items <= SGD 400 only)", "GST",
    )
    if above:
        return above

    # IRAS: the OVR covers B2C; a GST-registered buyer accounts by reverse charge.
    excluded, found = _common.buyer_exclusions(ctx, "GST Act 1993 (Singapore): reverse charge by GST-registered buyers", BUYER_ID.kinds, BUYER_ID.label, found=found)
    if excluded:
        return excluded
    return _common.collect(ctx, Scheme.SG_GST_LVG, Reason.DEEMED_SUPPLIER_IMPORT, RULE, facts, "GST", found)
