"""Words for the OpenAPI document: a description for every field of the contract's objects and
of the error shape, in the checkout contract's own words (``shared/contract.md``), and the
contract's examples.

The models stay terse (they are the engine's hot path and the command line's schema); the
service's document is where integrators read, so the text is added there, by
:func:`describe`, without overriding a description a model already carries.
"""

from __future__ import annotations

_ORDER = {
    "order_id": "The platform's order number: 1 to 64 printable characters; the idempotency key everywhere.",
    "placed_at": "When the platform accepted the payment (the chargeable event), ISO 8601 with its UTC "
                 "offset. Its calendar date, read in that offset, picks rates, FX and membership.",
    "channel": "`online`: paid through the platform (escrow or e-collection). `offline`: paid outside "
               "the platform, which then never collects.",
    "currency": "ISO 4217 code of every amount in the order.",
    "seller": "The seller: its id and the country where it is established.",
    "ship_from": "Country the goods are dispatched from (ISO 3166-1 alpha-2); outside the destination's "
                 "customs territory means an import.",
    "ship_to": "Destination country and postal code (the postal code identifies special territories).",
    "buyer": "The buyer: its id, and optionally a VAT number or an exemption voucher.",
    "lines": "The goods: 1 to 1000 lines.",
    "shipping": "Transport charge to the destination, stated separately, net of VAT (decimal string).",
    "prices_include_vat": "When true, `unit_price` and `shipping` already include the destination tax "
                          "and the engine extracts it instead of adding it.",
    "platform": "`alibaba.com` (default: Secure Payment / escrow rules) or `aliexpress`: selects the "
                "payment and escrow rules the ledger applies (contract v1.1).",
    "discounts": "Price reductions granted at checkout, each `{code, funded_by, amount, skus}`; how each "
                 "reduces the taxable amount is the regime's law, stated in the explanation (v1.1).",
}
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "Order": _ORDER,
    "PaidOrder": {**_ORDER, "payment": "The payment the platform accepted: `method`, `amount`, `currency`, "
                                       "`accepted_at` (and the method's own fields), checked by the ledger's "
                                       "payment rules."},
    "Seller": {
        "id": "The platform's seller id.",
        "country": "Where the seller is established (ISO 3166-1 alpha-2).",
    },
    "ShipTo": {
        "country": "Destination country (ISO 3166-1 alpha-2).",
        "postal_code": "Destination postal code: identifies special territories (Canary Islands, Åland, "
                       "Büsingen, ...).",
    },
    "Buyer": {
        "id": "The platform's buyer id.",
        "vat_number": "VAT / GST registration number of a business buyer, with or without its country "
                      "prefix, e.g. DE136695976.",
        "exemption": "A tax-exemption voucher uploaded by the buyer.",
    },
    "Exemption": {
        "certificate_id": "The voucher's id, e.g. EX-DE-2026-0042.",
        "country": "The country the voucher is for (ISO 3166-1 alpha-2).",
        "valid_from": "First day the voucher is valid (inside).",
        "valid_to": "Last day the voucher is valid (inside).",
    },
    "Line": {
        "sku": "The product's stock-keeping unit.",
        "quantity": "Units ordered (1 to 1,000,000).",
        "unit_price": "Price of one unit, net of destination VAT (decimal string), unless "
                      "`prices_include_vat`.",
        "category": "Product tax category (general, books, food, childrens_clothing, medical, "
                    "excise_alcohol, excise_tobacco, ...).",
        "hs_code": "Optional tariff classification: 6 to 10 digits (HS subheading, CN or TARIC code) "
                   "after removing spaces and dots (contract v1.1).",
    },
    "Decision": {
        "order_id": "The order's `order_id`.",
        "collect": "Whether the platform itself charges and remits the destination tax on this order.",
        "scheme": "When `collect` is true: the scheme it collects under (EU_IOSS, EU_OSS, UK_MARKETPLACE, "
                  "NO_VOEC, ...); null otherwise.",
        "reason": "One machine code saying why (DEEMED_SUPPLIER_IMPORT, B2B_VALID_VAT_NUMBER, "
                  "ABOVE_THRESHOLD, ...).",
        "explanation": "One or two sentences a compliance reviewer can read: the facts used and the rule applied.",
        "tax_country": "The country whose tax is collected; null when nothing is collected.",
        "currency": "The order's currency: every amount of the decision is in it.",
        "lines": "One amount row per order line, in order.",
        "shipping": "The shipping charge: taxed at the lines' rates, shared out in proportion to their net "
                    "values, rounded once.",
        "net_total": "Sum of the lines' and shipping's net amounts.",
        "vat_total": "Sum of the rounded VAT amounts.",
        "gross_total": "What the buyer pays for goods and shipping: `net_total + vat_total`, to the cent.",
        "warnings": "Codes of facts worth a look that did not change the outcome, e.g. VAT_NUMBER_INVALID.",
        "rates_as_of": "The date whose rates applied: `placed_at`'s calendar date.",
        "facts": "What a reviewer needs to replay the decision: rule, rate rows, threshold and FX used.",
        "duties": "Customs duties the platform charges the buyer at checkout (e.g. the EU's flat duty on "
                  "consignments up to EUR 150), each with its tariff line, SKUs, net, VAT, gross and basis.",
        "duty_total": "Sum of the duties' gross amounts; \"0.00\" where none.",
        "fees": "Other charges the law makes the platform collect (national or EU handling fees).",
        "fee_total": "Sum of the fees' gross amounts.",
        "landed_total": "What the buyer pays in all: `gross_total + duty_total + fee_total`.",
    },
    "DecisionLine": {
        "sku": "The line's SKU.",
        "net": "Taxable amount of the line (quantity x unit price, net of VAT).",
        "rate_percent": "The rate applied, in percent (\"19\", \"25.5\"); \"0\" where nothing is collected.",
        "vat": "The line's VAT, rounded half-up to the currency's minor unit.",
        "gross": "`net + vat`.",
        "discount": "The part of the order's discounts that reduces this line's taxable amount; "
                    "\"0.00\" where none.",
    },
    "ShippingAmounts": {
        "net": "The shipping charge, net of VAT.",
        "vat": "VAT on shipping at the lines' rates, pro rata to their net values, rounded once.",
        "gross": "`net + vat`.",
    },
    "Facts": {
        "regime": "The regime module that decided (e.g. eu, uk_marketplace); null when none applies.",
        "rule": "The rule applied, with the law it implements.",
        "tax_area": "The tax area whose rates applied (a country, or a region such as PT-30).",
        "territory": "The special territory the postal code lies in, if any.",
        "threshold": "The low-value limit tested and the order's value converted into its currency.",
        "rates": "The rate rows used, with their effective dates and sources.",
        "engine_version": "Version of the engine that decided.",
        "rates_version": "Fingerprint of the reference data (rates/) that was loaded.",
        "charge_fx_legs": "The ECB rates the duties and fees were converted at, as published.",
    },
    "RateFact": {
        "category": "The product category the row is for.",
        "tax_area": "The tax area of the row.",
        "rate_percent": "The rate, in percent.",
        "valid_from": "First day the row applies (rows are half-open [valid_from, valid_to)).",
        "source": "The primary source the row cites.",
    },
    "ThresholdFact": {
        "name": "The limit's name in rates/thresholds.csv.",
        "limit": "The limit, in `limit_currency`.",
        "limit_currency": "The currency the law states the limit in.",
        "inclusive": "Whether a value equal to the limit is within it.",
        "basis": "What is tested: the whole consignment, or the dearest item.",
        "value": "The tested value in the order's currency.",
        "converted_value": "`value` in `limit_currency`, rounded half-up to the cent.",
        "fx_rate": "Cross rate used: units of the order's currency per unit of the limit's currency.",
        "fx_date": "The ECB publication day of the rate.",
        "fx_source": "Where the rate came from (packaged ECB history or an imported file).",
        "within": "Whether the value is within the limit.",
        "valid_from": "First day the limit row applies.",
        "source": "The primary source of the limit.",
        "fx_legs": "Each non-euro leg of the conversion, as the ECB published it.",
    },
    "FxLegFact": {
        "currency": "The currency of the leg.",
        "rate": "Units of `currency` per 1 EUR, the decimal text as the ECB file has it.",
        "on": "The ECB publication day of the rate.",
        "source": "The package or imported file the rate came from.",
    },
    "ErrorBody": {
        "order_id": "The order's `order_id` when it could be read; null otherwise.",
        "error": "What is wrong: `code` INVALID_ORDER, `message`, and every offending field.",
    },
    "ErrorDetail": {
        "code": "Always INVALID_ORDER for an order that does not fit the contract.",
        "message": "Every offending field in one sentence.",
        "fields": "Each offending field: its location and what is wrong with it.",
    },
    "ErrorField": {
        "loc": "Where the field is, dotted (lines.0.unit_price).",
        "msg": "What is wrong with it.",
    },
    "Problem": {
        "error": "What went wrong: a machine `code` and a `message` saying what to fix.",
    },
    "ProblemDetail": {
        "code": "Machine code: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, METHOD_NOT_ALLOWED, NOT_ACCEPTABLE, "
                "PAYLOAD_TOO_LARGE, INVALID_REQUEST, INTERNAL_ERROR, UNAVAILABLE, ...",
        "message": "What went wrong and what to fix, in one sentence.",
        "fields": "For 422: each field of the request that does not fit.",
    },
    "ProblemField": {
        "loc": "Where the field is, dotted.",
        "msg": "What is wrong with it.",
    },
    "LedgerRefusal": {
        "order_id": "The order the ledger refused (null when the line could not be read).",
        "status": "Always `refused`.",
        "error": "The rule that refused it: `code` (PAYMENT_WINDOW_CLOSED, ORDER_CONFLICT, UNKNOWN_ORDER, ...) "
                 "and a `message` naming the order and the values.",
    },
    "LedgerErrorDetail": {
        "code": "The ledger rule's machine code.",
        "message": "What was refused and why, with the order and the values.",
    },
    "ReconciliationProblem": {
        "error": "RECONCILIATION_FAILED, with every group and order that explains the difference.",
    },
    "ReconciliationDetail": {
        "code": "Always RECONCILIATION_FAILED.",
        "message": "What does not add up, in one sentence.",
        "period": "The return period asked for.",
        "groups": "Each (scheme, original period, country, rate, currency) group whose report and ledger "
                  "totals differ.",
        "imbalances": "Each order (or refund) whose amount rows differ from the totals the ledger recorded.",
    },
    "Health": {
        "status": "`ok` when the service answers.",
        "engine_version": "Version of the engine.",
        "rates_version": "Fingerprint of the loaded reference data.",
    },
}

CONTRACT_DECISION = {
    "order_id": "AE-2026-000123", "collect": True, "scheme": "EU_IOSS", "reason": "DEEMED_SUPPLIER_IMPORT",
    "explanation": "Imported consignment worth EUR 47.31 (USD 55.00, <= EUR 150), B2C: the platform is the "
                   "deemed supplier and collects German VAT under IOSS.",
    "tax_country": "DE", "currency": "USD",
    "lines": [{"sku": "BOOK-1", "net": "25.00", "rate_percent": "7", "vat": "1.75", "gross": "26.75"},
              {"sku": "TOY-7", "net": "30.00", "rate_percent": "19", "vat": "5.70", "gross": "35.70"}],
    "shipping": {"net": "5.00", "vat": "0.68", "gross": "5.68"},
    "net_total": "60.00", "vat_total": "8.13", "gross_total": "68.13", "warnings": [],
    "rates_as_of": "2026-11-02",
}
"""The checkout contract's example decision (without ``facts``, which the contract leaves out)."""
CONTRACT_ERROR = {"order_id": "AE-2026-000123", "error": {
    "code": "INVALID_ORDER",
    "message": "the order does not fit the contract: lines.0.unit_price: must be a decimal string >= 0",
    "fields": [{"loc": "lines.0.unit_price", "msg": "must be a decimal string >= 0"}]}}
"""The contract's example error object (with the ``message`` every error carries)."""
EXAMPLES = {"Decision": CONTRACT_DECISION, "ErrorBody": CONTRACT_ERROR,
            "Problem": {"error": {"code": "FORBIDDEN", "message": "key 'books' has role 'finance'; POST "
                                                                  "/v1/quote needs role 'checkout'"}}}


def describe(schemas: dict[str, dict]) -> None:
    """Add the descriptions above (and the contract's examples) to the components' schemas, in
    place, never replacing a description a model states itself."""
    for name, fields in DESCRIPTIONS.items():
        properties = schemas.get(name, {}).get("properties", {})
        for field, text in fields.items():
            if field in properties:
                properties[field].setdefault("description", text)
    for name, example in EXAMPLES.items():
        if name in schemas:
            schemas[name].setdefault("examples", [example])


OPERATION_IDS = {
    ("post", "/v1/quote"): "quote",
    ("post", "/v1/orders"): "commitOrder",
    ("post", "/v1/orders/{order_id}/refunds"): "refundOrder",
    ("post", "/v1/orders/{order_id}/events"): "recordEvent",
    ("get", "/v1/orders/{order_id}"): "getOrder",
    ("get", "/v1/reports/{scheme}/{period}"): "getReport",
    ("get", "/healthz"): "health",
    ("get", "/metrics"): "metrics",
}
"""Readable ``operationId`` of each operation (FastAPI's default is ``quote_v1_quote_post``),
what generated clients name their methods after."""

__all__ = ["CONTRACT_DECISION", "CONTRACT_ERROR", "DESCRIPTIONS", "OPERATION_IDS", "describe"]
