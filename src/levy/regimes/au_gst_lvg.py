"""AU_GST_LVG (GST on low value imported goods, Australia, from 2018-07-01).

An offshore supply of low value goods made through an electronic distribution platform (EDP) is
treated as made by the platform operator (A New Tax System (Goods and Services Tax) Act 1999
s.84-81(3) with s.84-55), which charges 10 % GST (one eleventh of the GST-inclusive price).
Low value goods have a customs value of AUD 1,000 or less and are not tobacco, tobacco
products or alcoholic beverages (s.84-79(3)); the customs value leaves out freight and
insurance and is worked out when the consideration is first agreed (s.84-79(4)).

Modelling decisions:

* the limit is per item in law, but a supply the EDP reasonably believes will be imported in one
  consignment above AUD 1,000 is a taxable importation at the border instead (s.84-83; LCR
  2018/1). An order is one consignment (contract), so its intrinsic value (line nets, transport
  excluded) is tested and an order above AUD 1,000 is ``ABOVE_THRESHOLD`` as a whole;
* the regime covers goods brought into Australia only (s.84-77): goods already there are the
  seller's ordinary supplies (``SELLER_LIABLE``);
* a buyer who gives an ABN is not a consumer (ATO: ABN plus a statement of GST registration):
  ``B2B_VALID_VAT_NUMBER`` when python-stdnum ``au.abn`` accepts the checksum. The GST
  registration statement is not part of the contract and is taken as given;
* Norfolk Island, Christmas Island and Cocos (Keeling) Islands are outside the indirect tax
  zone (``special_territories.csv``).

References:
    https://www.ato.gov.au/law/view/print?DocID=PAC%2F19990055%2F84-79&PiT=99991231235958
    https://www.ato.gov.au/law/view/print?DocID=PAC%2F19990055%2F84-81&PiT=99991231235958
    https://www.ato.gov.au/law/view/document?DocID=COG/LCR20181/NAT/ATO/00001
    https://www.ato.gov.au/Business/International-tax-for-business/GST-on-low-value-imported-goods/Sales-of-LVIG-to-GST---registered-businesses/
"""

from __future__ import annotations

from levy.codes import Reason, Scheme
from levy.context import OrderContext, Outcome
from levy.regimes import _common
from levy.regimes._unit import BuyerId, DueRule, FilingFacts

REGIME = "au_gst_lvg"
FILINGS = {
    "AU_GST_LVG": FilingFacts(
        "quarter", "AUD",
        DueRule("day 28 of the month after the quarter (28 February for the December quarter)", day=28, by_period_end_month=((12, 2, 28),)),
        "central-bank or data-vendor rate within 7 days of the agreed price, used consistently (LCR 2018/1; Customs Act s.161J)",
        "GST Act 1999 s.27-10 (quarterly tax periods) and s.31-8 (due the 28th day of the month after; 28 February for December)",
    ),
}
THRESHOLDS = (("AU_GST_LVG", "au_lvg_threshold_aud"),)
BUYER_ID = BuyerId(("abn",), "ABN")
SCHEMES = tuple(Scheme(code) for code in FILINGS)

RULE = "GST Act 1999 s.84-81(3) and s.84-55 (EDP operator)"


def decide(ctx: OrderContext) -> Outcome:
    # s.84-79(3)(b): tobacco, tobacco products and alcoholic beverages are never low value goods.
    if excluded := _common.excise_goods(ctx, "GST Act 1999 s.84-79(3)(b)", "the low value goods regime"):
        return excluded

    # s.84-77: an offshore supply brings the goods to the indirect tax zone.
    if local := _common.imports_only(ctx, REGIME, "GST Act 1999 s.84-77 (goods brought to Australia only)", "the low value goods regime", "GST"):
        return local

    # s.84-79(3)(a) customs value <= AUD 1,000; s.84-83: one consignment above it is taxed at the
    # border, and an order is one consignment.
    above, facts, found = _common.low_value_import(
        ctx, Scheme.AU_GST_LVG, "au_lvg_threshold_aud", "consignment",
        "GST Act 1999 s.84-79(3)(a) and s.84-83 (consignments <= AUD 1,000 only)", "GST",
    )
    if above:
        return above

    # The recipient must be a consumer: an ABN with a GST-registration statement says otherwise.
    excluded, found = _common.buyer_exclusions(ctx, "LCR 2018/1 (recipient not a consumer: ABN and GST registration)", BUYER_ID.kinds, BUYER_ID.label, found=found)
    if excluded:
        return excluded
    return _common.collect(ctx, Scheme.AU_GST_LVG, Reason.DEEMED_SUPPLIER_IMPORT, RULE, facts, "GST", found)
