"""JP_LVG (consumption tax on low-value goods sold from abroad, Japan, from 2028-04-01).

The 2026 tax reform (令和8年度税制改正の大綱, Cabinet decision of December 2025) makes the sale
of an asset shipped by mail order from outside Japan to Japan, whose consideration is JPY 10,000
or less per asset excluding tax ("一の資産の対価の額が1万円(税抜き)以下", a 特定少額資産の譲渡),
a taxable supply of the seller, and ends the customs exemption of such goods at import when the
seller's registration number is on the declaration. Platforms whose intermediated sales of these
goods exceed JPY 5 billion a year are designated and made liable for their foreign sellers'
sales (platform taxation). It applies to supplies from 2028-04-01. Before, Japan stays
``DESTINATION_NOT_COVERED``.

Modelling decisions:

* the platform is taken to be designated (its intermediated sales exceed JPY 5 billion): a
  registration setting, not a per-order fact, so ``thresholds.csv`` holds only the per-item
  limit;
* per item: the dearest unit's net is tested against JPY 10,000 (inclusive, "以下"); an order
  holding a dearer item is ``ABOVE_THRESHOLD`` as a whole (consumption tax at import);
* 10 % standard rate and 8 % reduced rate for food and beverages (``food``, ``staple_food``;
  alcohol is never reduced) (消費税法 Art. 29; reduced rate: 平成28年改正法 附則 Art. 34);
* goods already in Japan are the seller's ordinary domestic sale: ``SELLER_LIABLE``;
* alcohol and tobacco: Levy rates no excise category, so nothing is quoted (liquor and tobacco
  taxes are collected at import): ``EXCISE_GOODS``, named as Levy's scope, not the reform's;
* a buyer who gives a qualified-invoice issuer registration number ("T" + the 13-digit
  corporate number, check digit by python-stdnum ``jp.cn``) is a business:
  ``B2B_VALID_VAT_NUMBER`` [U: the outline's B2B treatment is not yet in the statute]. A sole
  proprietor's T-number is not a corporate number and fails the check: tax is collected with
  ``VAT_NUMBER_INVALID``.

References:
    https://www.mof.go.jp/tax_policy/tax_reform/outline/fy2026/08taikou_04.htm
    https://macpa.jp/blog/reiwa8-tax-reform-consumption-tax
    https://www.nta.go.jp/taxes/tetsuzuki/mynumberinfo/houjinbangou/
"""

from __future__ import annotations

from levy.codes import Reason, Scheme
from levy.context import OrderContext, Outcome
from levy.regimes import _common
from levy.regimes._unit import BuyerId, DueRule, FilingFacts

REGIME = "jp_lvg"
FILINGS = {
    "JP_LVG": FilingFacts(
        "quarter", "JPY", DueRule("two months after the period (the last day of the second month)", months_after=2),
        "TTM (telegraphic transfer middle rate) of the day of the supply (消費税法基本通達 10-1-7)",
        "消費税法 Art. 19(1)(iii) (three-month taxable period, by election) and Art. 45(1) (return within two months); "
        "令和8年度税制改正の大綱 (platform taxation from 2028-04-01)",
    ),
}
"""A designated platform is assumed to elect three-month taxable periods [U: the reform's filing rules are not yet law]."""
THRESHOLDS = (("JP_LVG", "jp_lvg_threshold_jpy"),)
BUYER_ID = BuyerId(("cn",), "qualified-invoice registration number (T-number)")
SCHEMES = tuple(Scheme(code) for code in FILINGS)

RULE = "令和8年度税制改正: 特定少額資産の譲渡 (platform taxation of low-value goods from abroad)"


def decide(ctx: OrderContext) -> Outcome:
    if excluded := _common.excise_goods(ctx, "Levy scope: excise categories are not rated (liquor and tobacco taxes at import)", "Levy's JP_LVG"):
        return excluded

    # 特定少額資産の譲渡: assets shipped from outside Japan to Japan; stock in Japan is domestic.
    if local := _common.imports_only(ctx, REGIME, "消費税法 Art. 4 (domestic sale; the reform covers goods shipped from abroad)", "JP_LVG", "consumption tax"):
        return local

    # "一の資産の対価の額が1万円(税抜き)以下": per asset, consideration excluding tax.
    above, facts, found = _common.low_value_import(
        ctx, Scheme.JP_LVG, "jp_lvg_threshold_jpy", "item",
        "令和8年度税制改正 (assets of JPY 10,000 or less only)", "consumption tax",
    )
    if above:
        return above

    excluded, found = _common.buyer_exclusions(ctx, "qualified-invoice issuer (T-number): a business purchase", BUYER_ID.kinds, BUYER_ID.label, found=found)
    if excluded:
        return excluded
    return _common.collect(ctx, Scheme.JP_LVG, Reason.DEEMED_SUPPLIER_IMPORT, RULE, facts, "consumption tax", found)
