"""CL_LVG (IVA on low-value goods sold remotely, Chile, from 2025-10-25).

Ley N° 21.713 (Cumplimiento de las Obligaciones Tributarias, 2024) ended the VAT exemption of
imports up to USD 41 and made remote sales of tangible goods located abroad, to final consumers
in Chile, subject to 19 % IVA (DL 825 Art. 14) when their value does not exceed USD 500
("bienes de bajo valor"), from 2025-10-25. A seller or a digital intermediation platform without
domicile in Chile registers in the simplified regime (DL 825 Párrafo 7° bis; SII Resolución
Exenta N° 93 of 2025-07-30), charges the IVA at checkout and declares it on Form 129; customs
then releases the consignment free of IVA and duty (SII Res. Ex. N° 141 of 2025: proof, per
shipment, that the IVA was charged).

Modelling decisions:

* the USD 500 limit is tested on the consignment's value without transport (FOB, Res. Ex.
  93/2025: "bienes de bajo valor, hasta USD 500 FOB"; Res. Ex. 141/2025 works per shipment):
  the order's intrinsic value, an order being one consignment. Above it the goods are imported
  under the ordinary rules (IVA and the 6 % duty at the border): ``ABOVE_THRESHOLD``;
* the transport the platform charges is part of the price of the remote sale and is taxed with
  the goods (as in every regime here but Malaysia);
* amounts are converted into USD at the Central Bank of Chile's observed dollar (``levy.
  observed_dollar``): orders are accepted priced in USD (no conversion) or CLP (the imported
  observed-dollar rate of the order's date); any other currency is refused, naming the field;
* goods subject to special taxes (alcohol, tobacco: DL 825 Title III) are outside the simplified
  regime (Res. Ex. 93/2025): ``EXCISE_GOODS``;
* goods already in Chile are the seller's ordinary domestic sale: ``SELLER_LIABLE``;
* a buyer who declares to be a VAT taxpayer with a valid RUT (python-stdnum ``cl.rut``) is not a
  final consumer and accounts for the IVA at import: ``B2B_VALID_VAT_NUMBER``.

References:
    https://www.bcn.cl/leychile/navegar?idNorma=6369 (DL 825, Ley sobre Impuesto a las Ventas y Servicios)
    https://www.latercera.com/pulso/noticia/este-sabado-comienza-a-regir-el-iva-a-bienes-comprados-en-el-exterior-por-hasta-us500/
    https://www.brinta.com/es/post/chile-régimen-simplificado-de-iva-para-vendedores-remotos-y-plataformas-digitales-no-domiciliadas
    https://monttgroup.com/en/alerta/acreditacion-del-cobro-de-iva-en-importaciones-de-bienes-de-bajo-valor-2
"""

from __future__ import annotations

from decimal import Decimal

from levy.codes import Reason, Scheme
from levy.context import OrderContext, Outcome
from levy.errors import NoFxRateError
from levy.explain import TEMPLATES as SHARED, Value, said
from levy.fx import Conversion
from levy.observed_dollar import SOURCE, observed_dollar
from levy.regimes import _common
from levy.regimes._unit import BuyerId, FilingFacts, day_of_next_month

REGIME = "cl_lvg"
FILINGS = {
    "CL_LVG": FilingFacts(
        "quarter", "USD", day_of_next_month(20),
        "Banco Central de Chile dólar observado (CLP per USD) of the day",
        "DL 825 Párrafo 7° bis and SII Res. Ex. N° 93/2025 (Form 129, monthly or, at the taxpayer's option, "
        "quarterly; due the 20th of the month after the period; declared in US dollars)",
    ),
}
"""Platforms chose the quarterly option (SII: the first quarterly returns fell due on 2026-01-20)."""
THRESHOLDS = (("CL_LVG", "cl_lvg_threshold_usd"),)
BUYER_ID = BuyerId(("rut",), "RUT")
SCHEMES = tuple(Scheme(code) for code in FILINGS)

RULE = "DL 825 (Ley 21.713): IVA on remote sales of low-value goods, digital platform (Párrafo 7° bis)"
ACCEPTED_CURRENCIES = ("USD", "CLP")
TEMPLATES = {
    "above_threshold": "{facts}: above the CL_LVG limit, so IVA and duty are charged at import instead of at checkout.",
}
"""Above USD 500 both the IVA and the 6 % duty fall due at import (Ley 21.713)."""


class CurrencyNotAccepted(NoFxRateError):
    """CL_LVG orders are priced in USD or CLP."""

    def __init__(self, currency: str, on) -> None:
        self.currency, self.on = currency, on
        Exception.__init__(
            self, f"orders to Chile (CL_LVG) must be priced in USD or CLP, not {currency}: the limit is "
            "USD 500 and the law converts at the Central Bank of Chile's observed dollar",
        )


def _conversion(ctx: OrderContext) -> Conversion | None:
    """USD: none needed. CLP: the observed dollar of the order's date (imported by finance)."""
    if ctx.currency == "USD":
        return None
    if ctx.currency != "CLP":
        raise CurrencyNotAccepted(ctx.currency, ctx.on)
    rate = observed_dollar(ctx.on)
    return Conversion(
        factor=Decimal(1) / rate.clp_per_usd, cross_text=str(rate.clp_per_usd), on=rate.on,
        source=f"{SOURCE} ({rate.source})", stale=False,
    )


def decide(ctx: OrderContext) -> Outcome:
    # Res. Ex. 93/2025: operations subject to special taxes are outside the simplified regime.
    if excluded := _common.excise_goods(ctx, "SII Res. Ex. 93/2025 (goods subject to special taxes excluded)", "the simplified regime"):
        return excluded

    # Ley 21.713: remote sales of goods located abroad; goods already in Chile are domestic sales.
    if local := _common.imports_only(ctx, REGIME, "DL 825 Art. 2 and 8 (domestic sale; the simplified regime covers goods abroad)", "the simplified regime", "IVA"):
        return local

    # "bienes de bajo valor": up to USD 500, per consignment, transport excluded (FOB).
    found = ctx.threshold(Scheme.CL_LVG, "cl_lvg_threshold_usd", ctx.intrinsic_value, conversion=_conversion(ctx))
    facts = said(SHARED["consignment"], value=Value(found.threshold, ctx.currency))
    if not found.threshold.within:
        return _common.not_collected(
            Reason.ABOVE_THRESHOLD, "Ley 21.713 (low-value goods up to USD 500 only)",
            said(TEMPLATES["above_threshold"], facts=facts),
            found,
        )

    # Res. Ex. 93/2025: no IVA is charged where the buyer declares to be a VAT taxpayer (RUT).
    excluded, found = _common.buyer_exclusions(ctx, "SII Res. Ex. 93/2025 (buyer declares to be a VAT taxpayer)", BUYER_ID.kinds, BUYER_ID.label, found=found)
    if excluded:
        return excluded
    return _common.collect(ctx, Scheme.CL_LVG, Reason.DEEMED_SUPPLIER_IMPORT, RULE, facts, "IVA", found)
