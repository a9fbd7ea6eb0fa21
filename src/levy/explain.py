"""The decision's ``explanation``: rendered in one place from the outcome's codes and facts.

A regime's ``decide`` says nothing in words: its ``Outcome`` carries the reason code, the scheme,
the rule applied and a ``Said``, a declared template with the facts it names (countries as
codes, the threshold tested, SKUs, the law's labels). Templates are data: the shared ones are
``TEMPLATES`` below; a regime whose law needs its own words declares its ``TEMPLATES`` on its
module. The engine calls ``explain_outcome(outcome)`` once per decision; the discounts, duties and
fees notes are appended by their own modules.

>>> render(said(TEMPLATES["voucher"], country=Country("FR"), on="2026-11-02", detail="EX-1"))
'The buyer uploaded a tax-exemption voucher for France in force on 2026-11-02 (EX-1).'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from levy.countries import country_name
from levy.models import ThresholdFact


class Country(str):
    """An ISO 3166 alpha-2 code, named in words when rendered (``FR`` -> ``France``)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Value:
    """A threshold tested, rendered with the value, the conversion used and the limit."""

    fact: ThresholdFact
    currency: str
    """The order's currency."""


@dataclass(frozen=True, slots=True)
class Said:
    """A declared template and the facts it names; ``then`` are phrases appended after it."""

    template: str
    values: tuple[tuple[str, Any], ...] = ()
    then: tuple[Said, ...] = ()

    def and_then(self, *more: Said) -> Said:
        """This phrase with ``more`` appended (a new value)."""
        return Said(self.template, self.values, self.then + more)


def said(template: str, **values: Any) -> Said:
    """A ``Said`` of ``template`` with ``values`` (str, ``Country``, ``Value``, ``Said`` or a tuple of them)."""
    return Said(template, tuple(values.items()))


TEMPLATES = {
    # engine, before any regime
    "offline": "Paid outside the platform (offline channel): the platform takes no part in authorising "
               "the charge, so it is not the deemed supplier and collects nothing.",
    "special_territory": "Destination {territory} ({address}) lies outside the VAT territory: no platform "
                         "collection; import taxes, if any, are due locally.",
    "not_covered": "No platform-collection regime covers {country} ({code}) on {on}: the platform collects nothing.",
    # goods a scheme leaves out
    "excise_goods": "The consignment holds excise goods ({skus}), which {scheme_label} excludes: tax and duty "
                    "are charged at import or by the seller, not by the platform.",
    "excluded_goods": "The consignment holds goods {scheme_label} excludes ({listed}): the tax is charged at "
                      "import or by the seller, not by the platform.",
    "excluded_item": "{sku}: {what}",
    # where the goods are
    "imports_only": "Goods already in {destination} sold by a seller established in {seller}: {scheme_label} "
                    "covers imported goods only, so the seller accounts for any {tax_name} under the ordinary rules.",
    "seller_liable": "Goods already in {area} ({origin}) sold by a seller established in {seller}: the seller, "
                     "not the platform, accounts for the VAT.",
    # the value tested
    "consignment": "Imported consignment worth {value}",
    "dearest_item": "Imported consignment whose dearest item ({sku}, per unit) is worth {value}",
    "above_threshold": "{facts}: above the {limit} limit, so import {tax_name} is charged at the border "
                       "instead of at checkout.",
    # the buyer
    "business_buyer": "The buyer gave a valid {country} {id_label} ({number}): a business purchase, the buyer "
                      "accounts for the tax.",
    "voucher": "The buyer uploaded a tax-exemption voucher for {country} in force on {on} ({detail}).",
    "number_ignored": "; the buyer's number {number} does not change this",
    # the platform collects ({rule} and {scheme} are the outcome's)
    "collect": "{facts}, {buyer}: the platform is the deemed supplier ({rule}) and collects {place}'s "
               "{tax_name} under {scheme}.",
    "place": "{country}",
    "place_territory": "{country} ({territory})",
}
"""The shared templates, by name; ``{name}`` is a fact of the ``Said``."""


def describe_threshold(fact: ThresholdFact, currency: str) -> str:
    """``EUR 47.31 (USD 55.00 at the ECB rate of 2026-11-02, 1 EUR = 1.1625 USD; <= EUR 150)``."""
    sign = "<=" if fact.inclusive and fact.within else ("<" if fact.within else (">" if fact.inclusive else ">="))
    limit = f"{fact.limit_currency} {fact.limit}"
    if fact.fx_rate is None:
        return f"{fact.limit_currency} {fact.converted_value} ({sign} {limit})"
    rate_name = "Central Bank of Chile observed dollar" if (fact.fx_source or "").startswith("Banco Central de Chile") else "ECB rate"
    return (
        f"{fact.limit_currency} {fact.converted_value} ({currency} {fact.value} at the {rate_name} of "
        f"{fact.fx_date}, 1 {fact.limit_currency} = {fact.fx_rate} {currency}; {sign} {limit})"
    )


def _value(value: Any) -> str:
    if isinstance(value, Said):
        return render(value)
    if isinstance(value, Country):
        return country_name(value)
    if isinstance(value, Value):
        return describe_threshold(value.fact, value.currency)
    if isinstance(value, tuple):
        return ", ".join(_value(v) for v in value)
    return str(value)


def render(phrase: Said, **outcome_facts: Any) -> str:
    """One phrase in words: its template filled with its facts (and the outcome's, for ``collect``)."""
    values = {**outcome_facts, **{k: _value(v) for k, v in phrase.values}}
    return phrase.template.format_map(values) + "".join(render(more) for more in phrase.then)


def explain_outcome(outcome: Any) -> str:
    """The decision's explanation of a regime's (or the engine's) ``Outcome``: the only place it is written."""
    return render(outcome.said, rule=outcome.rule, scheme=outcome.scheme.value if outcome.scheme else "")


def templates(said_: Said) -> tuple[str, ...]:
    """Every template a phrase uses, nested ones included (what the tests check are declared)."""
    found = [said_.template]
    for _, value in said_.values:
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, Said):
                found.extend(templates(item))
    for more in said_.then:
        found.extend(templates(more))
    return tuple(found)


__all__ = ["TEMPLATES", "Country", "Said", "Value", "describe_threshold", "explain_outcome", "render", "said", "templates"]
