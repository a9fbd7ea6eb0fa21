"""The golden month through the ledger: commit the committed paid orders into a ledger, then
apply the committed events and refunds, exactly as ``levy commit`` / ``levy event`` /
``levy refund`` would (tests and ``scripts/regenerate_golden.py`` share this).

Files (``tests/golden/ledger/``, described in ``tests/golden/README.md``):

* ``paid_orders.jsonl``: orders of the contract with their ``payment``, the input of
  ``levy commit``;
* ``actions.jsonl``: one object a line, applied in order through the ``Ledger`` API:
  ``{"order_id", "event": "shipped|dispute|completed|closed", "at"}`` or
  ``{"order_id", "refund_id", "full": true | "amount": "12.00" | "lines": {"SKU": 1}, "at"}``;
* ``expected/<SCHEME>-2026-09-{by-country,corrections,by-currency}.csv``: the report.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

LEDGER_GOLDEN = Path(__file__).resolve().parent / "ledger"
PAID_ORDERS = LEDGER_GOLDEN / "paid_orders.jsonl"
ACTIONS = LEDGER_GOLDEN / "actions.jsonl"
EXPECTED = LEDGER_GOLDEN / "expected"
PERIOD = "2026-09"
QUARTER = "2026-Q3"
"""The quarter of the golden month (the quarterly schemes' return: EU_OSS)."""


def read_jsonl(path: Path) -> list[dict]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def apply_action(ledger, action: dict):
    """One line of ``actions.jsonl`` through the ledger's API; returns its ``Result``."""
    at = datetime.fromisoformat(action["at"])
    if "event" in action:
        return ledger.event(action["order_id"], action["event"], at)
    return ledger.refund(
        action["order_id"],
        action["refund_id"],
        full=action.get("full", False),
        amount=action.get("amount"),
        lines=action.get("lines"),
        at=at,
    )


def build_ledger(ledger) -> dict[str, int]:
    """Commit the golden orders and apply the golden actions; every one must be recorded.

    Returns:
        How many orders were recorded and actions applied.

    Raises:
        AssertionError: an order or an action the ledger refused (the input no longer fits the
            engine or the ledger's rules: regenerate it on purpose, see the README).
    """
    lines = [line for line in PAID_ORDERS.read_text(encoding="utf-8").splitlines() if line.strip()]
    results = list(ledger.commit(lines))
    refused = [r.body for r in results if r.status != "recorded"]
    assert not refused, f"golden orders not recorded: {refused}"
    actions = read_jsonl(ACTIONS)
    for action in actions:
        result = apply_action(ledger, action)
        assert result.status == "recorded", f"golden action {action} not recorded: {result.body}"
    return {"orders": len(results), "actions": len(actions)}
