"""EU (VAT e-commerce package: deemed supplier for electronic interfaces, from 2021-07-01).

The platform is the deemed supplier (Council Directive 2006/112/EC Art. 14a, as amended by
Directive (EU) 2017/2455) for:

* imported consignments of intrinsic value not exceeding EUR 150, whatever the seller's
  establishment (Art. 14a(1)), declared under the Import One-Stop Shop (Art. 369l): ``EU_IOSS``;
* goods already in the EU sold by a seller not established there, at any value (Art. 14a(2)),
  declared under the Union scheme (OSS): ``EU_OSS``.

The member states covered, and from when, are rows of ``rates/regime_countries.csv``; the
EUR 150 limit is a row of ``rates/thresholds.csv``.

References:
    https://eur-lex.europa.eu/eli/dir/2017/2455/oj
    https://datenbank.nwb.de/Dokument/452295_Article369l/
"""

from __future__ import annotations

from levy.codes import Reason, Scheme
from levy.context import NOTHING_FOUND, OrderContext, Outcome
from levy.explain import TEMPLATES as SHARED, Country, Value, said
from levy.regimes import _common
from levy.regimes._unit import END_OF_NEXT_MONTH, BuyerId, FilingFacts

REGIME = "eu"
FILINGS = {
    "EU_IOSS": FilingFacts(
        "month", "EUR", END_OF_NEXT_MONTH,
        "ECB rate of the period's last day, or of the next day it publishes (VAT Directive Art. 369u)",
        "VAT Directive Art. 369s (a return for each month, due by the end of the following month), Art. 369u (euro)",
    ),
    "EU_OSS": FilingFacts(
        "quarter", "EUR", END_OF_NEXT_MONTH,
        "ECB rate of the period's last day, or of the next day it publishes (VAT Directive Art. 369h(2))",
        "VAT Directive Art. 369f (a return for each calendar quarter, due by the end of the following month), Art. 369h (euro)",
    ),
}
"""The returns: IOSS monthly, the Union scheme (OSS) quarterly, both in euro."""
THRESHOLDS = (("EU_IOSS", "ioss_threshold_eur"),)
BUYER_ID = BuyerId(("vat",), "VAT number")
SCHEMES = tuple(Scheme(code) for code in FILINGS)

ART_14A_1 = "VAT Directive Art. 14a(1) and Art. 369l"
ART_14A_1_2028 = "VAT Directive Art. 14a(1), Art. 369l and Art. 201(2) (Directive (EU) 2025/1539)"
ART_14A_2 = "VAT Directive Art. 14a(2)"
ART_14A_2_VIDA = "VAT Directive Art. 14a(2) as replaced by Directive (EU) 2025/516"
VIDA_RULE = "eu_14a2_art3_1_buyers"
"""From 2027-01-01 Art. 14a(2) also covers buyers of Art. 3(1) (``rates/rules.csv``)."""
IMPORT_VAT_RULE = "eu_import_vat_deemed_supplier_liable"
"""From 2028-07-01 the deemed supplier is liable for import VAT (``rates/rules.csv``)."""

TEMPLATES = {
    "import_vat_2028": " (from 2028-07-01 the deemed supplier is also liable for the import VAT, Art. 201(2))",
    "local_stock": "Goods already in the EU ({origin}, {kind}) sold by a seller established in {seller}, outside the EU",
    "art3_1_buyer": "buyer of Art. 3(1) ({status}) whose intra-Community acquisitions are not taxed",
}
"""The words of the EU law the shared templates (``levy.explain``) lack."""
DOMESTIC, DISTANCE_SALE = "domestic supply", "intra-EU distance sale"


def decide(ctx: OrderContext) -> Outcome:
    order = ctx.order
    # Art. 369l: IOSS covers goods "except products subject to excise duty"; the same exclusion
    # is applied to EU-stocked goods (harmonised excise goods move under excise procedures).
    if excluded := _common.excise_goods(ctx, "VAT Directive Art. 369l (excise goods excluded)", "the EU scheme"):
        return excluded

    origin = ctx.vat_country(order.ship_from, REGIME)
    if origin is None:
        # Art. 14a(1): distance sale of goods imported from a third territory, <= EUR 150,
        # intrinsic value = the goods' price without separately stated transport (UCC-DA 1(48)).
        found = ctx.threshold(Scheme.EU_IOSS, "ioss_threshold_eur", ctx.intrinsic_value)
        facts = said(SHARED["consignment"], value=Value(found.threshold, ctx.currency))
        if not found.threshold.within:
            return _common.not_collected(
                Reason.ABOVE_THRESHOLD, "VAT Directive Art. 14a(1) (consignments <= EUR 150 only)",
                said(SHARED["above_threshold"], facts=facts, limit="IOSS", tax_name="VAT"),
                found,
            )
        scheme, reason, rule = Scheme.EU_IOSS, Reason.DEEMED_SUPPLIER_IMPORT, ART_14A_1
        # Directive (EU) 2025/1539, from 2028-07-01: the deemed supplier of an IOSS-eligible
        # distance sale is the person liable for the import VAT (new Art. 201(2)); the special
        # arrangements of Art. 369y-369zb are gone, so there is no "customer pays at the border".
        if ctx.rule_in_force(IMPORT_VAT_RULE) is not None:
            rule = ART_14A_1_2028
            facts = facts.and_then(said(TEMPLATES["import_vat_2028"]))
        # Art. 14(4)(2): a distance sale of imported goods is also one to a person of Art. 3(1)
        # whose intra-Community acquisitions are not taxed, so such a buyer stays in IOSS whatever
        # VAT number it gives (since 2021-07-01).
        art3_1_covered = order.buyer.art3_1_status is not None
    else:
        found = NOTHING_FOUND
        # Art. 14a(2) applies only where the underlying seller is not established in the EU.
        if ctx.vat_country(order.seller.country, REGIME) is not None:
            return _common.not_collected(
                Reason.SELLER_LIABLE, ART_14A_2,
                said(SHARED["seller_liable"], area="the EU", origin=Country(origin), seller=Country(order.seller.country)),
            )
        scheme, reason, rule = Scheme.EU_OSS, Reason.DEEMED_SUPPLIER_LOCAL_STOCK, ART_14A_2
        # ViDA (Directive (EU) 2025/516 Art. 2, from 2027-01-01): the new Art. 14a(2) also deems
        # the platform supplier for supplies to persons of Art. 3(1) whose intra-Community
        # acquisitions are not taxed. Before that date only a non-taxable buyer counts.
        art3_1_covered = order.buyer.art3_1_status is not None and ctx.rule_in_force(VIDA_RULE) is not None
        if art3_1_covered:
            rule = ART_14A_2_VIDA
        kind = DOMESTIC if origin == ctx.destination.tax_country else DISTANCE_SALE
        facts = said(TEMPLATES["local_stock"], origin=Country(origin), kind=kind, seller=Country(order.seller.country))

    # Art. 14a(2) covers supplies "to a non-taxable person"; CIR 282/2011 Art. 5d presumes the
    # buyer non-taxable unless the platform holds information to the contrary (a valid VAT number).
    if art3_1_covered:
        excluded, found = _common.exemption_voucher(ctx, _common.VOUCHER_RULE, found)
        if excluded:
            return excluded
        return _common.collect(
            ctx, scheme, reason, rule, facts, found=found,
            buyer=said(TEMPLATES["art3_1_buyer"], status=order.buyer.art3_1_status),
        )
    excluded, found = _common.buyer_exclusions(ctx, "VAT Directive Art. 14a; Implementing Regulation 282/2011 Art. 5d", BUYER_ID.kinds, BUYER_ID.label, found=found)
    if excluded:
        return excluded
    return _common.collect(ctx, scheme, reason, rule, facts, found=found)
