"""NO_VOEC (VAT On E-Commerce, Norway, from 2020-04-01).

VAT is charged on low-value goods imported to recipients other than businesses and public
bodies (merverdiavgiftsloven § 3-1(2)); the "tilbyder", which includes an electronic
marketplace, calculates and pays it (§ 11-2) through the simplified VOEC registration (chapter 14 II).
Low-value means below NOK 3,000 per item, valued at the point of sale; shipping and insurance
are left out of the test but are part of the VAT base.

Modelling decisions:

* per item in law, per order here: the dearest unit is tested, and an order holding one item
  at or above NOK 3,000 is ``ABOVE_THRESHOLD`` as a whole (the law would keep the cheaper items
  in VOEC; an order is one consignment and gets one decision);
* foodstuffs (``food``), goods needing a special import permit (``medical``: medicines) and
  excise goods are outside § 3-1(2) at any value: ``EXCISE_GOODS``, the contract's code for
  goods that take a consignment out of a scheme, with the exclusion named in the explanation;
* VOEC covers imports only: goods already in Norway are sold under ordinary registration by the
  seller (``SELLER_LIABLE``), whoever the seller;
* a Norwegian organisation number (python-stdnum ``no.mva`` for ``NO ... MVA``, else
  ``no.orgnr``) rebuts the consumer presumption of FMVA § 3-1-1: ``B2B_VALID_VAT_NUMBER``.

Svalbard (``917x``) and Jan Mayen (``8099``) are outside the VAT area (§ 1-2(2)):
``special_territories.csv``.

References:
    https://www.skatteetaten.no/en/rettskilder/type/handboker/merverdiavgiftshandboken/gjeldende/M-3/M-3-1/
    https://www.skatteetaten.no/nn/rettskilder/type/handboker/merverdiavgiftshandboken/gjeldende/M-11/M-11-2/
    https://www.skatteetaten.no/en/business-and-organisation/vat-and-duties/vat/foreign/e-commerce-voec/low-value/
    https://www.skatteetaten.no/en/business-and-organisation/vat-and-duties/vat/foreign/e-commerce-voec/buying-from-foreign-enterprises-in-the-voec-scheme/
"""

from __future__ import annotations

from levy.codes import Reason, Scheme
from levy.context import OrderContext, Outcome
from levy.regimes import _common
from levy.regimes._unit import BuyerId, FilingFacts, day_of_next_month

REGIME = "no_voec"
FILINGS = {
    "NO_VOEC": FilingFacts(
        "quarter", "NOK", day_of_next_month(20),
        "weekly exchange rates published by Norwegian Customs (Skatteetaten, VOEC payment rules)",
        "merverdiavgiftsloven § 14-4 (simplified registration); Skatteetaten: VOEC returns each quarter, due 20 days after the period",
    ),
}
THRESHOLDS = (("NO_VOEC", "voec_item_threshold_nok"),)
BUYER_ID = BuyerId(("mva", "orgnr"), "organisation number")
SCHEMES = tuple(Scheme(code) for code in FILINGS)

RULE = "merverdiavgiftsloven § 3-1(2) and § 11-2 (VOEC)"
EXCLUDED = {
    "food": "foodstuffs",
    "staple_food": "foodstuffs",
    "medical": "medicines, which need a special import permit",
    "excise_alcohol": "goods subject to excise duty",
    "excise_tobacco": "goods subject to excise duty",
}
"""Categories § 3-1(2) second sentence leaves to border collection, with the law's words."""


def decide(ctx: OrderContext) -> Outcome:
    # § 3-1(2) second sentence: not foodstuffs, goods needing a special import permit, or goods
    # subject to excise duties.
    if excluded := _common.excluded_goods(ctx, EXCLUDED, "merverdiavgiftsloven § 3-1(2), second sentence", "VOEC"):
        return excluded

    # § 3-1(2) covers goods "som innføres" (imported): goods already in Norway are the seller's
    # ordinary domestic sale.
    if local := _common.imports_only(ctx, REGIME, "merverdiavgiftsloven § 3-1(1) (domestic sale; VOEC covers imports only)", "VOEC"):
        return local

    # Low-value goods: below NOK 3,000 per item at the point of sale, shipping excluded.
    above, facts, found = _common.low_value_import(
        ctx, Scheme.NO_VOEC, "voec_item_threshold_nok", "item",
        "merverdiavgiftsloven § 3-1(2) (items below NOK 3,000 only)",
    )
    if above:
        return above

    # FMVA § 3-1-1: the buyer is presumed a consumer unless the seller knows otherwise; an
    # organisation number is that knowledge (Skatteetaten: "state your organisation number").
    excluded, found = _common.buyer_exclusions(ctx, "FMVA § 3-1-1 (business buyer)", BUYER_ID.kinds, BUYER_ID.label, found=found)
    if excluded:
        return excluded
    return _common.collect(ctx, Scheme.NO_VOEC, Reason.DEEMED_SUPPLIER_IMPORT, RULE, facts, found=found)
