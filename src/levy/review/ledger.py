"""The ledger under review: the sample ledger (``make demo``'s batch plus two corrections of an
earlier period), one period's decisions, payments, refunds and applied rates, and their charts."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta

from levy.money import format_rate
from levy.ratebook import Ratebook
from levy.review.areas import area_label
from levy.review.rates import regime_colors

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

# --- the ledger -------------------------------------------------------------------------------
#
# The review reads the ledger's own tables (``levy.ledger.schema``) through its SQLAlchemy
# engine: every amount is an integer in the currency's minor unit, summed by SQL or as Python
# ints, and becomes a Decimal only to be shown.

PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped(name: str, repository_path: str) -> Path:
    """A sample file shipped in the wheel (``levy/review/data/NAME``), or the repository's own
    copy in an editable install."""
    packaged = PACKAGE_DIR / "data" / name
    return packaged if packaged.exists() else PACKAGE_DIR.parents[2] / repository_path


SAMPLE_ORDERS = _shipped("paid_orders.jsonl", "examples/paid_orders.jsonl")
"""The paid sample batch ``make demo`` commits (6 payments in it are refused on purpose)."""
SAMPLE_MONTH = _shipped("golden_month.jsonl", "tests/golden/ledger/paid_orders.jsonl")
"""The golden August-September 2026 orders ``make demo`` also commits (35 orders, eight schemes):
September's returns can be filed from the packaged ECB history, so the notebooks default to it."""
SAMPLE_STEPS: tuple[tuple[str, ...], ...] = (
    # make demo's escrow life cycle: shipped, completed, closed; disputes settled by refunds;
    # a cancellation (the Makefile's `demo` target runs the same steps with the CLI)
    ("event", "AE-2026-036602", "shipped", "2026-10-08T09:00:00+00:00"),
    ("event", "AE-2026-036602", "completed", "2026-10-20T09:00:00+00:00"),
    ("event", "AE-2026-036602", "closed", "2026-10-21T09:00:00+00:00"),
    ("event", "AE-2026-050324", "shipped", "2026-10-08T09:00:00+00:00"),
    ("event", "AE-2026-050324", "dispute", "2026-10-14T09:00:00+00:00"),
    ("refund", "AE-2026-050324", "R-DEMO-1", "amount=20.00", "2026-10-16T09:00:00+00:00"),
    ("event", "AE-2026-050324", "completed", "2026-10-25T09:00:00+00:00"),
    ("event", "AE-2026-070951", "shipped", "2026-10-12T09:00:00+00:00"),
    ("event", "AE-2026-070951", "dispute", "2026-10-18T09:00:00+00:00"),
    ("refund", "AE-2026-070951", "R-DEMO-2", "lines=TEA-9677-LONGJ-250:2", "2026-10-19T09:00:00+00:00"),
    ("refund", "AE-2026-123926", "R-DEMO-3", "full", "2026-10-25T09:00:00+00:00"),
    ("event", "AE-2026-123926", "closed", "2026-10-26T09:00:00+00:00"),
    ("event", "AE-2026-183655", "shipped", "2026-11-02T09:00:00+00:00"),
    # Beyond make demo: two July orders cancelled in October, so October's return carries
    # corrections of an earlier period (Art. 369t(2)) in two schemes and currencies.
    ("refund", "AE-2026-018542", "R-SAMPLE-4", "full", "2026-10-05T09:00:00+00:00"),
    ("refund", "AE-2026-016781", "R-SAMPLE-5", "amount=10.00", "2026-10-09T09:00:00+00:00"),
)
"""Life-cycle steps applied after the commit: ``(event, order, kind, at)`` or
``(refund, order, refund_id, full | amount=X | lines=SKU:N, at)``."""


def build_sample_ledger(url: str, orders: Path | str = SAMPLE_ORDERS,
                        month: Path | str | None = SAMPLE_MONTH) -> dict[str, int]:
    """Commit the paid sample batch and the golden month into the ledger at ``url`` (as
    ``make demo`` does) and apply :data:`SAMPLE_STEPS`.

    Returns:
        How many orders were ``recorded`` and ``refused``, and the steps applied.

    Raises:
        levy.ledger.LedgerError: a step the ledger refuses (the sample must stay valid).
    """
    from datetime import datetime

    from levy.ledger import Ledger

    with Ledger(url) as ledger:
        statuses: dict[str, int] = {}
        for path in (orders, month) if month is not None else (orders,):
            with open(path, "rb") as f:
                for result in ledger.commit(f):
                    statuses[result.status] = statuses.get(result.status, 0) + 1
        for step in SAMPLE_STEPS:
            at = datetime.fromisoformat(step[-1])
            if step[0] == "event":
                ledger.event(step[1], step[2], at=at)
                continue
            how = step[3]
            if how == "full":
                ledger.refund(step[1], step[2], full=True, at=at)
            elif how.startswith("amount="):
                ledger.refund(step[1], step[2], amount=how.removeprefix("amount="), at=at)
            else:
                sku, qty = how.removeprefix("lines=").rsplit(":", 1)
                ledger.refund(step[1], step[2], lines={sku: int(qty)}, at=at)
    return {**statuses, "steps": len(SAMPLE_STEPS)}


_SAMPLE_DIRS: list[tempfile.TemporaryDirectory] = []


def sample_ledger() -> str:
    """The URL of a fresh sample ledger in a temporary directory (removed when Python exits):
    what a notebook reviews when ``DB_URL`` is ``None``."""
    tmp = tempfile.TemporaryDirectory(prefix="levy-sample-ledger-")
    _SAMPLE_DIRS.append(tmp)
    url = f"sqlite:///{Path(tmp.name) / 'sample-ledger.db'}"
    build_sample_ledger(url)
    return url


def period_bounds(period: str) -> tuple[date, date]:
    """``[first day, first day of the next month)`` of a ``YYYY-MM`` period."""
    from levy.reports.schema import parse_period

    year, month = parse_period(period)
    start = date(year, month, 1)
    return start, start + relativedelta(months=1)


def money(minor: int, digits: int) -> Decimal:
    """An amount from minor units, with exactly the currency's decimals (2500, 2 -> 25.00)."""
    return Decimal(int(minor)).scaleb(-int(digits))


def period_decisions(ledger, period: str) -> pd.DataFrame:
    """Every order paid in ``period`` (the chargeable event, Art. 66a) with its decision.

    Columns: ``order_id``, ``placed_on``, ``paid_on``, ``currency``, ``destination`` (the address
    country, also when nothing was collected), ``scheme``, ``reason``, ``collect``,
    ``tax_country``, ``tax_area``, ``net_total``, ``vat_total``, ``gross_total`` (Decimal, order
    currency), ``warnings``, ``decision`` (the stored decision as a dict, facts included) and
    ``order`` (the order as committed, payment included).
    """
    import pandas as pd
    from sqlalchemy import select

    from levy.ledger.schema import decisions, orders

    start, end = period_bounds(period)
    query = (
        select(orders.c.order_id, orders.c.placed_on, orders.c.paid_on, orders.c.currency,
               orders.c.minor_units, orders.c.payload, decisions.c.decision_json)
        .join(decisions, decisions.c.order_id == orders.c.order_id)
        .where(orders.c.paid_on >= start, orders.c.paid_on < end)
        .order_by(orders.c.order_id)
    )
    records = []
    with ledger.db.connect() as conn:
        for r in conn.execute(query):
            d = json.loads(r.decision_json)
            records.append({
                "order_id": r.order_id, "placed_on": r.placed_on, "paid_on": r.paid_on,
                "currency": r.currency, "destination": json.loads(r.payload)["ship_to"]["country"],
                "scheme": d["scheme"], "reason": d["reason"], "collect": d["collect"],
                "tax_country": d["tax_country"], "tax_area": d["facts"]["tax_area"],
                "net_total": Decimal(d["net_total"]), "vat_total": Decimal(d["vat_total"]),
                "gross_total": Decimal(d["gross_total"]), "warnings": d["warnings"], "decision": d,
                "order": json.loads(r.payload),
            })
    columns = ["order_id", "placed_on", "paid_on", "currency", "destination", "scheme", "reason",
               "collect", "tax_country", "tax_area", "net_total", "vat_total", "gross_total",
               "warnings", "decision", "order"]
    return pd.DataFrame.from_records(records, columns=columns)


def vat_in_eur(decided: pd.DataFrame, fx) -> pd.DataFrame:
    """VAT of the collected orders by scheme and tax country, with a euro equivalent.

    Each order's VAT is converted at the ECB rate of its own date (the latest on or before
    ``placed_on``, as its threshold test was) and rounded half-up to the cent, then added: a
    comparable figure across currencies for the review. The return itself converts at the
    period-end rate (``monthly_reconciliation``).
    """
    import pandas as pd

    from levy.money import round_cents

    rows = decided[decided["collect"]]
    records = []
    for (scheme, country), group in rows.groupby(["scheme", "tax_country"], sort=True):
        eur = Decimal(0)
        native: dict[str, Decimal] = {}
        for r in group.itertuples():
            native[r.currency] = native.get(r.currency, Decimal(0)) + r.vat_total
            rate = Decimal(1) if r.currency == "EUR" else fx.rate(r.currency, r.placed_on).rate
            eur += round_cents(r.vat_total / rate)
        records.append({
            "scheme": scheme, "tax_country": country, "country": area_label(country),
            "orders": len(group), "vat_eur": eur,
            "vat_by_currency": ", ".join(f"{c} {v}" for c, v in sorted(native.items())),
        })
    return pd.DataFrame.from_records(
        records, columns=["scheme", "tax_country", "country", "orders", "vat_eur", "vat_by_currency"]
    )


def exemption_shares(decided: pd.DataFrame) -> pd.DataFrame:
    """Per destination: orders, B2B (valid VAT number) and voucher exemptions, their share.

    ``outlier`` marks a country whose share lies more than two standard errors above the share
    over all destinations (binomial, ``p + 2 * sqrt(p(1-p)/n)``) with at least two exempt
    orders: one exempt order in a small country is not a pattern; several in one country, well
    above the platform's usual share, deserve a look (invalid numbers accepted, a voucher shared).
    """
    import pandas as pd

    total = len(decided)
    exempt_all = decided["reason"].isin(["B2B_VALID_VAT_NUMBER", "EXEMPTION_CERTIFICATE"]).sum()
    p = exempt_all / total if total else 0.0
    records = []
    for dest, group in decided.groupby("destination", sort=True):
        n = len(group)
        b2b = int((group["reason"] == "B2B_VALID_VAT_NUMBER").sum())
        voucher = int((group["reason"] == "EXEMPTION_CERTIFICATE").sum())
        share = (b2b + voucher) / n
        limit = p + 2 * (p * (1 - p) / n) ** 0.5
        records.append({
            "destination": dest, "country": area_label(dest), "orders": n, "b2b": b2b,
            "voucher": voucher, "share_percent": round(100 * share, 1),
            "outlier": bool(b2b + voucher >= 2 and share > limit),
        })
    frame = pd.DataFrame.from_records(
        records, columns=["destination", "country", "orders", "b2b", "voucher", "share_percent", "outlier"]
    )
    frame.attrs["overall_percent"] = round(100 * p, 1)
    return frame


def sample_decisions(decided: pd.DataFrame, n: int = 5, seed: int = 2026) -> pd.DataFrame:
    """``n`` decisions to drill into, each with another reason: collecting reasons first, then
    the most frequent; within a reason, a seeded random pick (the same ledger gives the same
    sample, a new seed another)."""
    import random

    rng = random.Random(seed)
    counts = decided["reason"].value_counts()
    collects = decided.groupby("reason")["collect"].first()
    reasons = sorted(counts.index, key=lambda r: (not collects[r], -counts[r], r))[:n]
    picked = [rng.choice(sorted(decided.loc[decided["reason"] == r, "order_id"])) for r in reasons]
    return decided.set_index("order_id").loc[picked].reset_index()


def drill_down(row, book: Ratebook) -> tuple[str, pd.DataFrame]:
    """One decision explained: a Markdown summary and its lines with the rate row each used.

    Each line's rate row is found in ``book`` by tax area, category and the ``valid_from`` the
    decision recorded; ``where`` names it (``vat_rates.csv:45``), or says it is no longer in the
    data (a row corrected since: replaying the decision would then disagree).
    """
    import pandas as pd

    d, order = row.decision, row.order
    facts = d["facts"]
    text = [
        f"#### {row.order_id}: {d['reason']}" + (f" under {d['scheme']}" if d["scheme"] else " (nothing collected)"),
        f"Paid {row.paid_on}, placed {row.placed_on}; {order['currency']} order from "
        f"{area_label(order['ship_from'])} (seller in {area_label(order['seller']['country'])}) to "
        f"{area_label(order['ship_to']['country'])}, postal code {order['ship_to'].get('postal_code') or '-'}.",
        f"> {d['explanation']}",
        f"Rule: **{facts['rule']}**; "
        + (f"regime `{facts['regime']}`" if facts["regime"] else "no regime applies")
        + f"; rates as of {d['rates_as_of']}; rates version `{facts['rates_version']}`.",
    ]
    th = facts.get("threshold")
    if th:
        fx = (f" ({d['currency']} {th['value']} at the ECB rate of {th['fx_date']}, "
              f"1 {th['limit_currency']} = {th['fx_rate']} {d['currency']}, {th['fx_source']})"
              if th.get("fx_rate") else "")
        text.append(
            f"Threshold `{th['name']}`: {th['limit_currency']} {th['converted_value']}{fx} "
            f"against {th['limit_currency']} {th['limit']} "
            f"({'inclusive' if th['inclusive'] else 'exclusive'}, per {th['basis']}): "
            f"{'within' if th['within'] else 'above'}; source {th['source']}."
        )
    if d["warnings"]:
        text.append("Warnings: " + ", ".join(f"`{w}`" for w in d["warnings"]))
    rate_rows = {(r["tax_area"], r["category"]): r for r in facts.get("rates", [])}
    records = []
    for line, out in zip(order["lines"], d["lines"]):
        fact = rate_rows.get((facts["tax_area"], line["category"])) if facts.get("tax_area") else None
        where = ""
        if fact:
            series = book.rate_lines.get((fact["tax_area"], fact["category"]), [])
            match = [r for _, r in series if r.valid_from.isoformat() == fact["valid_from"]
                     and format_rate(r.rate_percent) == fact["rate_percent"]]
            where = match[0].where if match else "not in the current rates/"
        records.append({
            "sku": line["sku"], "category": line["category"], "quantity": line["quantity"],
            "net": out["net"], "rate %": out["rate_percent"], "VAT": out["vat"],
            "rate row": where, "valid from": fact["valid_from"] if fact else "",
            "source": fact["source"] if fact else "",
        })
    return "\n\n".join(text), pd.DataFrame.from_records(records)


def vat_chart(vat: pd.DataFrame, period: str):
    """Horizontal bars of the VAT collected per country (euro equivalent), stacked by scheme."""
    import matplotlib.pyplot as plt

    # float only to draw; the table beside the chart holds the exact amounts
    pivot = vat.pivot_table(index="country", columns="scheme", values="vat_eur", aggfunc="sum",
                            fill_value=Decimal(0)).map(float)
    pivot = pivot.loc[pivot.sum(axis=1).sort_values().index]
    colors = regime_colors(pivot.columns)
    fig, ax = plt.subplots(figsize=(10, 0.3 * len(pivot) + 1.5))
    left = [0.0] * len(pivot)
    for scheme in pivot.columns:
        ax.barh(pivot.index, pivot[scheme], left=left, color=colors[scheme], label=scheme)
        left = [a + b for a, b in zip(left, pivot[scheme])]
    for y, total in enumerate(left):
        ax.text(total + max(left) * 0.01, y, f"{total:,.2f}", va="center", fontsize=8)
    ax.set_title(f"VAT/GST collected on the orders paid in {period}, by country and scheme")
    ax.set_xlabel("VAT (EUR equivalent, ECB rate of each order's date)")
    ax.set_ylabel("Country of consumption")
    ax.set_xlim(0, max(left) * 1.12)
    ax.grid(axis="y", visible=False)
    ax.legend(title="scheme", loc="lower right")
    return fig


def reason_chart(decided: pd.DataFrame, period: str):
    """Stacked horizontal bars: decisions per destination country, coloured by reason code."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    counts = decided.assign(country=decided["destination"].map(area_label)).pivot_table(
        index="country", columns="reason", values="order_id", aggfunc="count", fill_value=0)
    counts = counts.loc[counts.sum(axis=1).sort_values().index]
    palette = mpl.colormaps["tab20"].colors
    fig, ax = plt.subplots(figsize=(11, 0.3 * len(counts) + 1.5))
    left = [0] * len(counts)
    for i, reason in enumerate(counts.columns):
        ax.barh(counts.index, counts[reason], left=left, color=palette[i % len(palette)], label=reason)
        left = [a + b for a, b in zip(left, counts[reason])]
    ax.set_title(f"Decisions on the orders paid in {period}, by destination and reason code")
    ax.set_xlabel("Orders (count)")
    ax.set_ylabel("Destination country")
    ax.grid(axis="y", visible=False)
    ax.legend(title="reason", loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return fig


def exemption_chart(shares: pd.DataFrame, period: str):
    """Share of B2B and voucher exemptions per destination; outliers red, overall share dashed."""
    import matplotlib.pyplot as plt

    data = shares.sort_values(["share_percent", "country"], ascending=[True, False])
    colors = ["#c0392b" if o else "#5d6d7e" for o in data["outlier"]]
    fig, ax = plt.subplots(figsize=(10, 0.28 * len(data) + 1.5))
    ax.barh(data["country"], data["share_percent"], color=colors)
    for y, r in enumerate(data.itertuples()):
        ax.text(r.share_percent + 0.5, y, f"{r.b2b + r.voucher} of {r.orders}", va="center", fontsize=8)
    overall = shares.attrs.get("overall_percent", 0)
    ax.axvline(overall, color="black", linestyle="--", linewidth=1)
    ax.annotate(f"all destinations: {overall} %", (overall, len(data) - 0.5), xytext=(4, 0),
                textcoords="offset points", fontsize=8)
    ax.set_title(f"Orders paid in {period} exempted as B2B or by voucher, by destination (outliers in red)")
    ax.set_xlabel("Share of the destination's orders (%)")
    ax.set_ylabel("Destination country")
    ax.set_xlim(0, 105)
    ax.grid(axis="y", visible=False)
    return fig


def rates_applied(ledger, period: str, book: Ratebook) -> pd.DataFrame:
    """The rate rows the decisions of the orders paid in ``period`` applied, checked against ``book``.

    One row per (tax area, category, rate, ``valid_from``) the ledger's amount rows recorded,
    with how many order lines used it and their net; ``where`` names the row of ``book`` with that
    start and rate, or says it is not there (the data was corrected after the decision).
    """
    import pandas as pd
    from sqlalchemy import func, select

    from levy.ledger.schema import decision_lines, orders

    start, end = period_bounds(period)
    keys = (decision_lines.c.tax_area, decision_lines.c.category, decision_lines.c.rate_percent,
            decision_lines.c.rate_valid_from, decision_lines.c.rate_source, orders.c.currency,
            orders.c.minor_units)
    query = (
        select(*keys, func.count(), func.sum(decision_lines.c.net_minor))
        .select_from(decision_lines.join(orders, orders.c.order_id == decision_lines.c.order_id))
        .where(decision_lines.c.kind == "line", decision_lines.c.rate_valid_from.is_not(None),
               orders.c.paid_on >= start, orders.c.paid_on < end)
        .group_by(*keys)
    )
    grouped: dict[tuple, dict[str, Any]] = {}
    with ledger.db.connect() as conn:
        for area, category, rate, since, source, currency, digits, n, net in conn.execute(query):
            record = grouped.setdefault((area, category, rate, since), {
                "tax_area": area, "area": area_label(area), "category": category, "rate": rate,
                "valid_from": since, "lines": 0, "net": {}, "source": source,
            })
            record["lines"] += int(n)
            record["net"][currency] = record["net"].get(currency, Decimal(0)) + money(net, digits)
    records = []
    for record in grouped.values():
        series = book.rate_lines.get((record["tax_area"], record["category"]), [])
        match = [r for _, r in series if r.valid_from == record["valid_from"]
                 and format_rate(r.rate_percent) == record["rate"]]
        record["where"] = match[0].where if match else "not in rates/"
        record["net"] = ", ".join(f"{c} {v}" for c, v in sorted(record["net"].items()))
        records.append(record)
    columns = ["tax_area", "area", "category", "rate", "valid_from", "lines", "net", "where", "source"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    return frame.sort_values(["area", "category", "valid_from"], ignore_index=True)


def period_payments(ledger, period: str) -> pd.DataFrame:
    """The payments accepted in ``period`` (every order, collected or not), as Decimals.

    Columns: ``order_id``, ``method``, ``currency``, ``gross_total``, ``charges`` (duties and
    fees the decision added: the buyer owes ``landed_total = gross_total + charges``), ``fee``,
    ``payable``, ``paid``, ``difference`` (paid - payable), ``usd_per_unit`` (the ECB cross rate
    the payment check used, when it needed one) and ``difference_usd``.
    """
    import pandas as pd
    from sqlalchemy import func, select

    from levy.ledger.schema import decision_charges, decisions, orders, payments

    start, end = period_bounds(period)
    charges = (select(decision_charges.c.order_id, func.sum(decision_charges.c.gross_minor).label("minor"))
               .group_by(decision_charges.c.order_id).subquery())
    query = (
        select(orders.c.order_id, orders.c.minor_units, payments.c.method, payments.c.currency,
               decisions.c.gross_total_minor, payments.c.fee_minor, payments.c.payable_minor,
               payments.c.amount_minor, payments.c.difference_minor, payments.c.usd_rate,
               charges.c.minor.label("charges_minor"))
        .select_from(orders.join(payments, payments.c.order_id == orders.c.order_id)
                     .join(decisions, decisions.c.order_id == orders.c.order_id)
                     .outerjoin(charges, charges.c.order_id == orders.c.order_id))
        .where(orders.c.paid_on >= start, orders.c.paid_on < end)
        .order_by(orders.c.order_id)
    )
    records = []
    with ledger.db.connect() as conn:
        for r in conn.execute(query):
            d = r.minor_units
            difference = money(r.difference_minor, d)
            usd = Decimal(r.usd_rate) if r.usd_rate else (Decimal(1) if r.currency == "USD" else None)
            records.append({
                "order_id": r.order_id, "method": r.method, "currency": r.currency,
                "gross_total": money(r.gross_total_minor, d),
                "charges": money(int(r.charges_minor or 0), d), "fee": money(r.fee_minor, d),
                "payable": money(r.payable_minor, d), "paid": money(r.amount_minor, d),
                "difference": difference, "usd_per_unit": usd,
                "difference_usd": (difference * usd).quantize(Decimal("0.0001")) if usd is not None else None,
            })
    return pd.DataFrame.from_records(records, columns=[
        "order_id", "method", "currency", "gross_total", "charges", "fee", "payable", "paid",
        "difference", "usd_per_unit", "difference_usd",
    ])


def period_refunds(ledger, period: str) -> pd.DataFrame:
    """Refunds recorded in ``period``, with the period of the order they correct; ``vat`` is
    the goods' VAT refunded, ``charges_vat`` the VAT on duties and fees a full refund returns."""
    import pandas as pd
    from sqlalchemy import select

    from sqlalchemy import func

    from levy.ledger.schema import decision_charges, decisions, orders, refunds
    from levy.reports.schema import period_of

    start, end = period_bounds(period)
    # The VAT on the order's duties and fees (Art. 78(a)): a full refund returns it with them,
    # and the return takes it back on that refund's row (levy.ledger.charge_vat).
    charges_vat = (
        select(func.coalesce(func.sum(decision_charges.c.vat_minor), 0))
        .where(decision_charges.c.order_id == refunds.c.order_id).scalar_subquery()
    )
    query = (
        select(refunds.c.refund_id, refunds.c.order_id, refunds.c.refunded_on, refunds.c.mode,
               orders.c.currency, orders.c.minor_units, orders.c.paid_on, decisions.c.scheme,
               decisions.c.collect, decisions.c.tax_country, refunds.c.amount_minor, refunds.c.net_minor,
               refunds.c.vat_minor, refunds.c.outside_base_minor, charges_vat.label("charges_vat_minor"))
        .join(orders, orders.c.order_id == refunds.c.order_id)
        .join(decisions, decisions.c.order_id == orders.c.order_id)
        .where(refunds.c.refunded_on >= start, refunds.c.refunded_on < end)
        .order_by(refunds.c.refunded_on, refunds.c.refund_id)
    )
    records = []
    with ledger.db.connect() as conn:
        for r in conn.execute(query):
            d = r.minor_units
            full_and_collected = r.mode == "full" and r.collect and r.scheme is not None
            records.append({
                "refund_id": r.refund_id, "order_id": r.order_id, "refunded_on": r.refunded_on,
                "mode": r.mode, "scheme": r.scheme, "tax_country": r.tax_country,
                "original_period": period_of(r.paid_on), "currency": r.currency,
                "amount": money(r.amount_minor, d), "net": money(r.net_minor, d),
                "vat": money(r.vat_minor, d), "outside_vat_base": money(r.outside_base_minor, d),
                "charges_vat": money(int(r.charges_vat_minor) if full_and_collected else 0, d),
            })
    frame = pd.DataFrame.from_records(records, columns=[
        "refund_id", "order_id", "refunded_on", "mode", "scheme", "tax_country", "original_period",
        "currency", "amount", "net", "vat", "outside_vat_base", "charges_vat",
    ])
    frame["correction"] = frame["original_period"] != period
    return frame
