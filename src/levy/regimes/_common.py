"""Steps shared by regimes: excluded goods, the buyer's number, the exemption voucher, collect.

Each step returns an ``Outcome`` when it settles the order, or ``None`` to go on; warnings
found on the way are kept on the context and end up in the decision.
"""

from __future__ import annotations

from levy.codes import Reason, Scheme
from levy.context import OrderContext, Outcome, country_name


def excise_goods(ctx: OrderContext, rule: str, scheme_label: str) -> Outcome | None:
    """Excise goods (alcohol, tobacco) take the consignment out of the scheme as a whole."""
    skus = ctx.excise_skus
    if not skus:
        return None
    return Outcome(
        Reason.EXCISE_GOODS, None, rule,
        f"The consignment holds excise goods ({', '.join(skus)}), which {scheme_label} excludes: "
        "tax and duty are charged at import or by the seller, not by the platform.",
    )


def business_buyer(ctx: OrderContext, rule: str, id_kind: str = "vat", id_label: str = "VAT number") -> Outcome | None:
    """A buyer number valid for the destination makes it B2B; a doubtful one only warns."""
    check = ctx.buyer_number(id_kind)
    if check is None:
        return None
    if check.status == "valid":
        return Outcome(
            Reason.B2B_VALID_VAT_NUMBER, None, rule,
            f"The buyer gave a valid {country_name(ctx.destination.tax_country)} {id_label} "
            f"({check.compact}): a business purchase, the buyer accounts for the tax.",
        )
    if check.warning is not None:
        ctx.warnings.append(check.warning)
    return None


def exemption_voucher(ctx: OrderContext, rule: str) -> Outcome | None:
    """A voucher for the destination covering ``placed_at``'s date exempts the order."""
    check = ctx.exemption()
    if check is None:
        return None
    if check.valid:
        return Outcome(
            Reason.EXEMPTION_CERTIFICATE, None, rule,
            f"The buyer uploaded a tax-exemption voucher for {country_name(ctx.destination.tax_country)} "
            f"in force on {ctx.on} ({check.detail}).",
        )
    ctx.warnings.append(check.warning)
    return None


def buyer_exclusions(ctx: OrderContext, b2b_rule: str, id_kind: str = "vat", id_label: str = "VAT number") -> Outcome | None:
    """The two buyer-side exclusions, in order: a valid number, then a voucher."""
    return business_buyer(ctx, b2b_rule, id_kind, id_label) or exemption_voucher(
        ctx, "exemption voucher uploaded by the buyer (contract)"
    )


def collect(
    ctx: OrderContext, scheme: Scheme, reason: Reason, rule: str, facts: str, tax_name: str = "VAT",
    threshold=None, tax_shipping: bool = True,
) -> Outcome:
    """The platform collects: say what was found and which rule makes it the deemed supplier."""
    place = country_name(ctx.destination.tax_country)
    if ctx.destination.territory:
        place = f"{place} ({ctx.destination.territory})"
    return Outcome(
        reason, scheme, rule,
        f"{facts}, B2C: the platform is the deemed supplier ({rule}) and collects "
        f"{place}'s {tax_name} under {scheme.value}.",
        threshold=threshold, tax_shipping=tax_shipping,
    )


def not_collected(reason: Reason, rule: str, explanation: str, threshold=None) -> Outcome:
    return Outcome(reason, None, rule, explanation, threshold=threshold)
