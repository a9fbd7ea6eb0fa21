"""``levy audit``: re-decide a ledger period with today's rates data; list what differs.

Each committed order of the period (by ``paid_on``, the reporting date; optionally only those
recorded under one scheme) is quoted again by ``Engine.quote`` with the engine's current
``rates/`` and ECB history (not pinned to the recorded FX legs, unlike ``levy replay``: the
question is "what should we have collected with today's data"). Each field of the bulk output
that differs is listed with the rate rows the two decisions used; per tax country and currency
the difference in tax collected (VAT + duties + fees) is split into under-collection (today's
answer is higher) and over-collection.
"""

from __future__ import annotations

import json
from calendar import monthrange
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import create_engine, select

from levy.engine import Engine
from levy.errors import InvalidOrder, LevyError
from levy.ledger.db import resolve_url
from levy.ledger.schema import decisions, orders

FIELDS = ("collect", "scheme", "reason", "tax_country", "currency", "net_total", "vat_total",
          "gross_total", "duty_total", "fee_total", "landed_total", "warnings")
"""The fields compared: the bulk output's (contract v1.1 "Bulk order table")."""


class AuditError(LevyError):
    """A period that is not ``YYYY-MM`` or ``YYYY-Qn``."""


def period_days(period: str) -> tuple[date, date]:
    """First and last day of ``YYYY-MM`` or ``YYYY-Qn`` (contract v1.1 "Periods")."""
    try:
        year_text, part = period.split("-")
        year = int(year_text)
        if part[:1] in ("Q", "q"):
            quarter = int(part[1:])
            if not 1 <= quarter <= 4:
                raise ValueError
            first, last = 3 * quarter - 2, 3 * quarter
        else:
            first = last = int(part)
        return date(year, first, 1), date(year, last, monthrange(year, last)[1])
    except (ValueError, IndexError):
        raise AuditError(f"period {period!r} is not YYYY-MM or YYYY-Qn") from None


def _collected(d: dict[str, Any]) -> Decimal:
    """Tax the platform collects on the order: VAT plus duties plus fees."""
    return Decimal(d.get("vat_total") or 0) + Decimal(d.get("duty_total") or 0) + Decimal(d.get("fee_total") or 0)


def _fields(d: dict[str, Any]) -> dict[str, Any]:
    out = {name: d.get(name) for name in FIELDS}
    out["warnings"] = ";".join(d.get("warnings") or [])
    return out


@dataclass
class AuditReport:
    period: str
    scheme: str | None
    orders: int = 0
    differences: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[tuple[str, str], dict[str, Decimal]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period, "scheme": self.scheme, "orders": self.orders,
            "orders_differing": len({d["order_id"] for d in self.differences}),
            "differences": self.differences,
            "totals": [{"tax_country": c, "currency": cur, **{k: str(v) for k, v in t.items()}}
                       for (c, cur), t in sorted(self.totals.items())],
        }


def audit_rows(engine: Engine, rows, period: str, scheme: str | None) -> AuditReport:
    """Audit ``(order_id, payload, decision_json)`` rows (however they were read)."""
    report = AuditReport(period, scheme)
    for order_id, payload, decision_json in rows:
        report.orders += 1
        recorded = json.loads(decision_json)
        order = json.loads(payload)
        order.pop("payment", None)  # the ledger's addition; not part of the quote
        try:
            today = json.loads(engine.quote(order).model_dump_json())
        except InvalidOrder as exc:  # e.g. a rate row withdrawn since: name it, go on
            today = {"error": exc.body()["error"]}
        _compare(report, order_id, recorded, today)
    return report


def _compare(report: AuditReport, order_id: str, recorded: dict, today: dict) -> None:
    was, now = _fields(recorded), _fields(today) if "error" not in today else {}
    rates = {"recorded": (recorded.get("facts") or {}).get("rates", []),
             "re_decided": (today.get("facts") or {}).get("rates", [])}
    if "error" in today:
        report.differences.append({"order_id": order_id, "field": "error", "recorded": None,
                                   "re_decided": today["error"], "rates": rates})
        return
    for name in FIELDS:
        if was[name] != now[name]:
            report.differences.append({"order_id": order_id, "field": name, "recorded": was[name],
                                       "re_decided": now[name], "rates": rates})
    delta = _collected(today) - _collected(recorded)
    if delta:
        country = today.get("tax_country") or recorded.get("tax_country") or "--"
        totals = report.totals.setdefault((country, recorded["currency"]), defaultdict(Decimal))
        totals["under_collected" if delta > 0 else "over_collected"] += abs(delta)
        totals["net_difference"] += delta


def audit_ledger(engine: Engine, url: str, period: str, scheme: str | None = None) -> AuditReport:
    """Audit the ledger at ``url`` (a SQLAlchemy URL or SQLite path) for ``period``; read-only."""
    first, last = period_days(period)
    url = resolve_url(url)
    query = (select(orders.c.order_id, orders.c.payload, decisions.c.decision_json)
             .join(decisions, decisions.c.order_id == orders.c.order_id)
             .where(orders.c.paid_on >= first, orders.c.paid_on <= last)
             .order_by(orders.c.order_id))
    if scheme:
        query = query.where(decisions.c.scheme == scheme)
    db = create_engine(url)
    try:
        with db.connect() as conn:
            return audit_rows(engine, conn.execute(query), period, scheme)
    finally:
        db.dispose()
