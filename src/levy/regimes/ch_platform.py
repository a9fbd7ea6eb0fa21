"""CH_PLATFORM (platform taxation, Mehrwertsteuergesetz Art. 20a, Switzerland, from 2025-01-01).

Whoever, by means of an electronic platform, brings sellers and buyers together to conclude a
contract for a supply of goods on the platform is deemed to supply the buyer (MWSTG Art. 20a(1));
the seller supplies the platform. The rule has no value limit, no condition on where the seller
is established and no business-buyer carve-out: every buyer is "der Käufer".

The Swiss VAT territory ("Inland", Art. 3 lit. a) includes the customs-connected areas
Liechtenstein and Büsingen (DE 78266), which ``special_territories.csv`` taxes as CH from
2025-01-01; Samnaun (CH 7562/7563, services only, Art. 4) and legacy Campione addresses
(CH 6911) are outside.

Modelling decisions:

* imports are collected at any value: the platform is assumed registered as a mail-order
  business (Art. 7(3)(b), CHF 100,000 a year of small consignments) or to have filed the import
  subordination declaration (Art. 7(3)(a)), so its deliveries into Switzerland are domestic
  supplies. A platform that is neither would owe nothing here; that is a registration setting,
  not a per-order fact, so ``thresholds.csv`` holds no CH row;
* goods already in the Swiss VAT territory are collected whoever the seller (no
  ``SELLER_LIABLE``);
* a buyer's Swiss UID/VAT number changes nothing (no ``B2B_VALID_VAT_NUMBER``);
* excise goods (spirits, beer, tobacco) are collected like any other goods: Art. 20a has no
  excise exclusion, so the platform charges Swiss VAT on them at the normal rate (Art. 25(1);
  Art. 25(2)(a)(2) keeps alcoholic drinks out of the reduced rate), from the ``excise_alcohol``
  and ``excise_tobacco`` rows of ``vat_rates.csv``. Spirits, beer and tobacco tax are levied
  at import by customs, outside Levy.

References:
    https://www.fedlex.admin.ch/eli/cc/2009/615/de#art_20_a
    https://www.fedlex.admin.ch/eli/cc/2009/615/de#art_25
    https://www.estv.admin.ch/estv/en/home/value-added-tax/vat-tax-liability/mail-order-trade/vat-registration-platform-taxation.html
    https://www.estv.admin.ch/estv/en/home/value-added-tax/vat-tax-liability/mail-order-trade.html
"""

from __future__ import annotations

from levy.codes import Reason, Scheme
from levy.context import OrderContext, Outcome
from levy.explain import TEMPLATES as SHARED, Country, said
from levy.regimes import _common
from levy.regimes._unit import BuyerId, DueRule, FilingFacts

REGIME = "ch_platform"
FILINGS = {
    "CH_PLATFORM": FilingFacts(
        "quarter", "CHF", DueRule("60 days after the period (ESTV: the last day of the second month)", months_after=2),
        "ESTV monthly average rate or daily selling rate (MWSTV Art. 45)",
        "MWSTG Art. 35(1)(a) (quarterly settlement period), Art. 71(1) (return within 60 days)",
    ),
}
THRESHOLDS = ()
"""Art. 20a has no value limit."""
BUYER_ID = BuyerId((), "UID/VAT number")
"""Art. 20a has no business-buyer carve-out: no number is checked."""
SCHEMES = tuple(Scheme(code) for code in FILINGS)

ART_20A = "MWSTG Art. 20a(1)"
ART_20A_IMPORT = "MWSTG Art. 20a(1) with Art. 7(3) (mail-order import)"
TEMPLATES = {
    "import": "Consignment imported from {origin} (any value: Art. 20a has no limit) sold by a seller established in {seller}",
    "local_stock": "Goods already in the Swiss VAT territory ({origin}) sold by a seller established in {seller} (any seller, any value)",
}
"""Art. 20a's words: no value limit, no condition on the seller."""


def decide(ctx: OrderContext) -> Outcome:
    order = ctx.order
    # No excise exclusion in Art. 20a: alcohol and tobacco are collected at the Swiss rate of
    # their category row (vat_rates.csv, Art. 25(1): the normal rate).
    # Art. 3 lit. a: "Inland" is Swiss territory with the customs-connected areas (Liechtenstein,
    # Büsingen); a dispatch from anywhere else is an import.
    origin = ctx.vat_country(order.ship_from, REGIME)
    seller = Country(order.seller.country)
    if origin is None:
        # Art. 7(3): the platform's delivery from abroad is a domestic supply once it is a
        # registered mail-order business (or filed the subordination declaration): any value.
        reason, rule = Reason.DEEMED_SUPPLIER_IMPORT, ART_20A_IMPORT
        facts = said(TEMPLATES["import"], origin=Country(order.ship_from), seller=seller)
    else:
        reason, rule = Reason.DEEMED_SUPPLIER_LOCAL_STOCK, ART_20A
        facts = said(TEMPLATES["local_stock"], origin=Country(order.ship_from), seller=seller)

    # No B2B carve-out in Art. 20a: only the buyer's exemption voucher can take the order out.
    excluded, found = _common.exemption_voucher(ctx, _common.VOUCHER_RULE)
    if excluded:
        return excluded
    if order.buyer.vat_number:
        facts = facts.and_then(said(SHARED["number_ignored"], number=order.buyer.vat_number))
    return _common.collect(ctx, Scheme.CH_PLATFORM, reason, rule, facts, found=found, buyer="any buyer")
