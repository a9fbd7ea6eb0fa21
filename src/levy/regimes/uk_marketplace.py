"""UK_MARKETPLACE (online marketplace deemed supply, United Kingdom, from 2021-01-01).

The operator of an online marketplace is treated as making the supply to the buyer (VATA 1994
s.5A) where either:

* the goods are imported in a consignment of intrinsic value not more than GBP 135 that holds
  no excise goods, whoever the seller (s.5A(1)(c)(i), (3) and (4)): ``DEEMED_SUPPLIER_IMPORT``;
* the goods are not imported (already in the UK) and the seller is established outside the
  UK, at any value (s.5A(1)(c)(ii)): ``DEEMED_SUPPLIER_LOCAL_STOCK``. A UK seller stays liable.

The UK VAT area is the country rows of ``uk_marketplace`` in ``rates/regime_countries.csv``
(GB) plus the Isle of Man, which ``special_territories.csv`` taxes as GB: IoM stock and IoM
sellers count as inside the UK. Jersey and Guernsey postcodes are outside.

Northern Ireland (``BT`` postcodes, tax area ``GB-NIR``, UK rates, tax country GB) follows the
EU rules for goods under the Windsor Framework, so the module branches on it:

* dispatched from outside the UK *and* the EU: an import, <= GBP 135 -> the platform collects
  (import VAT with the OMP liable, or its NI/EU IOSS return: a registration setting);
* dispatched from the UK or the EU: not an import. A seller established in the UK or the EU is
  liable (EU distance sale; s.5B does not apply to a GB or IoM seller selling into NI); any other
  seller -> the platform, any value (s.5B and Sch 9ZC para 1B, Union goods condition; para 4A
  for GB stock moved to NI by a non-UK seller). ``seller.country`` cannot tell a GB from an NI
  establishment: every UK seller is taken as liable.

A valid UK VAT number (``GB`` or ``XI`` prefix, python-stdnum ``gb.vat``) makes the sale B2B:
s.5A(1A) for goods in the UK, the reverse charge for low-value imports.

References:
    https://legislation.gov.uk/ukpga/1994/23/section/5A/data.html
    https://www.legislation.gov.uk/ukpga/1994/23/schedule/9ZC/paragraph/1B/data.html
    https://gov.uk/guidance/vat-and-overseas-goods-sold-to-customers-in-great-britain-using-online-marketplaces-from-1-january-2021
"""

from __future__ import annotations

from levy.codes import Reason, Scheme
from levy.context import NOTHING_FOUND, OrderContext, Outcome
from levy.explain import TEMPLATES as SHARED, Country, said
from levy.regimes import _common
from levy.regimes import eu as _eu
from levy.regimes._unit import BuyerId, DueRule, FilingFacts

REGIME = "uk_marketplace"
FILINGS = {
    "UK_MARKETPLACE": FilingFacts(
        "quarter", "GBP", DueRule("one month and seven days after the period", plus_days=7),
        "UK market selling rate at the time of supply or HMRC's period rate (VAT Notice 700, section 7)",
        "VAT Regulations 1995 reg. 25 (three-month periods); HMRC: online returns due 1 month and 7 days after the period",
    ),
}
THRESHOLDS = (("UK_MARKETPLACE", "uk_consignment_threshold_gbp"),)
BUYER_ID = BuyerId(("vat",), "VAT number")
SCHEMES = tuple(Scheme(code) for code in FILINGS)

NORTHERN_IRELAND = "GB-NIR"
"""Tax area of ``BT`` postcodes (``special_territories.csv``)."""

S5A_IMPORT = "VATA 1994 s.5A(1)(c)(i) and (3)"
S5A_LOCAL = "VATA 1994 s.5A(1)(c)(ii)"
NI_IMPORT = "VATA 1994 s.5A(3) as applied to Northern Ireland (goods from outside the UK and the EU)"
NI_LOCAL = "VATA 1994 s.5B and Sch 9ZC paras 1B and 4A"
TEMPLATES = {
    "local_stock": "Goods already in {area} ({origin}) sold by a seller established in {seller}, outside {outside}",
}
"""s.5A(1)(c)(ii) (and s.5B in Northern Ireland): a seller established outside the area."""


def decide(ctx: OrderContext) -> Outcome:
    order = ctx.order
    ni = ctx.destination.tax_area == NORTHERN_IRELAND
    # s.5A(3)(c)(i) and (4): a consignment holding "excepted goods" (any goods subject to a duty
    # of excise) is outside the deeming; the same exclusion is applied to UK-stocked goods.
    if excluded := _common.excise_goods(ctx, "VATA 1994 s.5A(3)(c)(i) and (4) (excepted goods)", "s.5A"):
        return excluded

    origin = ctx.vat_country(order.ship_from, REGIME)
    # Windsor Framework: goods reaching NI from the EU are Union goods, not imports.
    if origin is None and ni:
        origin = ctx.vat_country(order.ship_from, _eu.REGIME)
    if origin is None:
        # s.5A(3): the supply involves importing a consignment of intrinsic value (goods without
        # separately stated transport, item values summed) not more than GBP 135.
        above, facts, found = _common.low_value_import(
            ctx, Scheme.UK_MARKETPLACE, "uk_consignment_threshold_gbp", "consignment",
            "VATA 1994 s.5A(3)(b) (consignments <= GBP 135 only)",
        )
        if above:
            return above
        reason, rule = Reason.DEEMED_SUPPLIER_IMPORT, NI_IMPORT if ni else S5A_IMPORT
    else:
        found = NOTHING_FOUND
        seller = order.seller.country
        # s.5A(1)(c)(ii) needs a seller established outside the UK; in NI, s.5B's Union goods
        # condition also needs one established outside the EU, and never reaches a GB/IoM seller.
        seller_area = ctx.vat_country(seller, REGIME) or (ni and ctx.vat_country(seller, _eu.REGIME))
        area, outside = ("the UK or the EU", "the UK and the EU") if ni else ("the UK", "the UK")
        if seller_area:
            return _common.not_collected(
                Reason.SELLER_LIABLE, NI_LOCAL if ni else S5A_LOCAL,
                said(SHARED["seller_liable"], area=area, origin=Country(order.ship_from), seller=Country(seller)),
            )
        reason, rule = Reason.DEEMED_SUPPLIER_LOCAL_STOCK, NI_LOCAL if ni else S5A_LOCAL
        facts = said(TEMPLATES["local_stock"], area=area, origin=Country(order.ship_from), seller=Country(seller),
                     outside=outside)

    # s.5A(1A): a VAT-registered buyer who gave its number takes goods in the UK out of the
    # deeming; for low-value imports it accounts by reverse charge (HMRC guidance).
    excluded, found = _common.buyer_exclusions(ctx, "VATA 1994 s.5A(1A); reverse charge on low-value imports", BUYER_ID.kinds, BUYER_ID.label, found=found)
    if excluded:
        return excluded
    return _common.collect(ctx, Scheme.UK_MARKETPLACE, reason, rule, facts, found=found)
