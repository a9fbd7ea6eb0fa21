"""Steps shared by regimes: excluded goods, the buyer's number, the exemption voucher, collect.

Each step returns an ``Outcome`` when it settles the order, or ``None`` to go on. Steps that
find something the decision keeps whatever the outcome (the threshold tested, a warning) take
the ``Findings`` so far and return them, updated, as a value: nothing is written into the
context, and the deciding step puts the findings into its ``Outcome``.
"""

from __future__ import annotations

from collections.abc import Mapping

from levy.codes import Reason, Scheme
from levy.context import NOTHING_FOUND, Findings, OrderContext, Outcome
from levy.explain import TEMPLATES, Country, Said, Value, said


def excise_goods(ctx: OrderContext, rule: str, scheme_label: str) -> Outcome | None:
    """Excise goods (alcohol, tobacco) take the consignment out of the scheme as a whole."""
    skus = ctx.excise_skus
    if not skus:
        return None
    return Outcome(
        Reason.EXCISE_GOODS, None, rule,
        said(TEMPLATES["excise_goods"], skus=tuple(skus), scheme_label=scheme_label),
    )


def excluded_goods(
    ctx: OrderContext, excluded: Mapping[str, str], rule: str, scheme_label: str
) -> Outcome | None:
    """Goods a scheme excludes beyond excise (e.g. Norway's foodstuffs and restricted goods).

    The contract has one code for goods that take a consignment out of a scheme,
    ``EXCISE_GOODS``; the explanation names what each excluded SKU is.

    Args:
        excluded: category -> what the law calls it (``{"food": "foodstuffs"}``).
    """
    found = [(line.sku, excluded[line.category]) for line in ctx.order.lines if line.category in excluded]
    if not found:
        return None
    listed = tuple(said(TEMPLATES["excluded_item"], sku=sku, what=what) for sku, what in found)
    return Outcome(
        Reason.EXCISE_GOODS, None, rule,
        said(TEMPLATES["excluded_goods"], scheme_label=scheme_label, listed=listed),
    )


def imports_only(ctx: OrderContext, regime: str, rule: str, scheme_label: str, tax_name: str = "VAT") -> Outcome | None:
    """Schemes for imported goods only: goods already in the destination are the seller's sale.

    ``SELLER_LIABLE`` whoever the seller: it is sold under the ordinary domestic rules, which the
    platform does not take over.
    """
    if ctx.vat_country(ctx.order.ship_from, regime) is None:
        return None
    return not_collected(
        Reason.SELLER_LIABLE, rule,
        said(TEMPLATES["imports_only"], destination=Country(ctx.destination.tax_country),
             seller=Country(ctx.order.seller.country), scheme_label=scheme_label, tax_name=tax_name),
    )


def low_value_import(
    ctx: OrderContext, scheme: Scheme, name: str, basis: str, rule: str, tax_name: str = "VAT",
    found: Findings = NOTHING_FOUND,
) -> tuple[Outcome | None, Said, Findings]:
    """Test an imported consignment against the scheme's low-value limit (``thresholds.csv``).

    ``basis="consignment"`` tests the intrinsic value (line nets, separately stated transport
    excluded); ``basis="item"`` tests the dearest unit's net (``OrderContext.item_threshold``), so
    one item at or above the limit takes the whole order out: an order is one consignment
    (contract) and gets one decision.

    Returns:
        ``(outcome, facts, found)``: ``outcome`` is ``ABOVE_THRESHOLD`` or ``None`` to go on;
        ``facts`` names the value tested, with the rate used, for the explanation;
        ``found`` holds the threshold fact and any FX warning.
    """
    if basis == "item":
        found, sku = ctx.item_threshold(scheme, name, found)
        facts = said(TEMPLATES["dearest_item"], sku=sku, value=Value(found.threshold, ctx.currency))
    else:
        found = ctx.threshold(scheme, name, ctx.intrinsic_value, found=found)
        facts = said(TEMPLATES["consignment"], value=Value(found.threshold, ctx.currency))
    if found.threshold.within:
        return None, facts, found
    return not_collected(
        Reason.ABOVE_THRESHOLD, rule,
        said(TEMPLATES["above_threshold"], facts=facts, limit=scheme.value, tax_name=tax_name),
        found,
    ), facts, found


def business_buyer(
    ctx: OrderContext, rule: str, id_kind: str | tuple[str, ...] = "vat", id_label: str = "VAT number",
    found: Findings = NOTHING_FOUND,
) -> tuple[Outcome | None, Findings]:
    """A buyer number valid for the destination makes it B2B; a doubtful one only warns.

    ``id_kind`` may name several stdnum modules tried in turn (Norway: ``("mva", "orgnr")``, the
    ``NO...MVA`` form or the bare organisation number); the first that validates wins.

    Returns:
        ``(outcome, found)``: ``B2B_VALID_VAT_NUMBER`` or ``None`` to go on, and the findings
        with the number's warning noted.
    """
    kinds = (id_kind,) if isinstance(id_kind, str) else id_kind
    checks = [ctx.buyer_number(kind) for kind in kinds]
    check = next((c for c in checks if c is not None and c.status == "valid"), checks[0])
    if check is None:
        return None, found
    if check.status == "valid":
        return Outcome(
            Reason.B2B_VALID_VAT_NUMBER, None, rule,
            said(TEMPLATES["business_buyer"], country=Country(ctx.destination.tax_country),
                 id_label=id_label, number=check.compact),
            threshold=found.threshold, warnings=found.warnings,
        ), found
    if check.warning is not None:
        found = found.noting(check.warning)
    return None, found


def exemption_voucher(ctx: OrderContext, rule: str, found: Findings = NOTHING_FOUND) -> tuple[Outcome | None, Findings]:
    """A voucher for the destination covering ``placed_at``'s date exempts the order.

    Returns:
        ``(outcome, found)``: ``EXEMPTION_CERTIFICATE`` or ``None`` to go on, and the findings
        with the voucher's warning noted.
    """
    check = ctx.exemption()
    if check is None:
        return None, found
    if check.valid:
        return Outcome(
            Reason.EXEMPTION_CERTIFICATE, None, rule,
            said(TEMPLATES["voucher"], country=Country(ctx.destination.tax_country), on=ctx.on,
                 detail=check.detail),
            threshold=found.threshold, warnings=found.warnings,
        ), found
    return None, found.noting(check.warning)


VOUCHER_RULE = "exemption voucher uploaded by the buyer (contract)"


def buyer_exclusions(
    ctx: OrderContext, b2b_rule: str, id_kind: str | tuple[str, ...] = "vat", id_label: str = "VAT number",
    found: Findings = NOTHING_FOUND,
) -> tuple[Outcome | None, Findings]:
    """The two buyer-side exclusions, in order: a valid number, then a voucher."""
    excluded, found = business_buyer(ctx, b2b_rule, id_kind, id_label, found)
    if excluded:
        return excluded, found
    return exemption_voucher(ctx, VOUCHER_RULE, found)


def collect(
    ctx: OrderContext, scheme: Scheme, reason: Reason, rule: str, facts: Said, tax_name: str = "VAT",
    found: Findings = NOTHING_FOUND, tax_shipping: bool = True, buyer: str | Said = "B2C",
) -> Outcome:
    """The platform collects: what was found and which rule makes it the deemed supplier.

    ``buyer`` says whom the rule covers (``"B2C"``; Switzerland's Art. 20a covers any buyer).
    """
    country = Country(ctx.destination.tax_country)
    territory = ctx.destination.territory
    place = (said(TEMPLATES["place_territory"], country=country, territory=territory) if territory
             else said(TEMPLATES["place"], country=country))
    return Outcome(
        reason, scheme, rule,
        said(TEMPLATES["collect"], facts=facts, buyer=buyer, place=place, tax_name=tax_name),
        threshold=found.threshold, warnings=found.warnings, tax_shipping=tax_shipping,
    )


def not_collected(reason: Reason, rule: str, why: Said, found: Findings = NOTHING_FOUND) -> Outcome:
    """The platform collects nothing: the reason, the rule, why, and what was found on the way."""
    return Outcome(reason, None, rule, why, threshold=found.threshold, warnings=found.warnings)
