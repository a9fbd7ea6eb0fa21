"""Replay uses the ECB rates the decision recorded, not the ones imported since.

The packaged history holds USD 1.1172 for 2026-10-30; the fixture
``eurofxref-2026-10-30-corrected.csv`` imports 1.1180 for the same day (a same-day correction,
which wins over the package). An order quoted before the import and replayed after it must
still agree: the replay pins the legs of ``facts.threshold.fx_legs``.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from ledger.conftest import payment_for, run_levy

from levy import Engine
from levy.fx.store import FxStore
from levy.ledger.store import Ledger

CORRECTED = Path(__file__).parents[1] / "fixtures" / "fx" / "eurofxref-2026-10-30-corrected.csv"
ORDER = json.loads((Path(__file__).parents[2] / "examples" / "order.json").read_text())


def _order(order_id: str, unit_price: str) -> dict:
    """A one-line USD order to Germany, placed on 2026-10-30 (its threshold converts at that
    day's USD rate)."""
    order = copy.deepcopy(ORDER)
    order.update(order_id=order_id, placed_at="2026-10-30T14:05:00+01:00", shipping="0.00")
    order["lines"] = [
        {"sku": "LAMP-1", "quantity": 1, "unit_price": unit_price, "category": "general"}
    ]
    return order


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "levy-data"
    monkeypatch.setenv("LEVY_DATA_DIR", str(directory))
    return directory


@pytest.mark.parametrize(
    "order_id, unit_price, stored_reason, fresh_reason",
    [
        # 100.00 / 1.1172 = 89.51 EUR, 100.00 / 1.1180 = 89.45 EUR: only the facts move
        ("FX-2026-000001", "100.00", "DEEMED_SUPPLIER_IMPORT", "DEEMED_SUPPLIER_IMPORT"),
        # 167.65 / 1.1172 = 150.06 EUR (above the EUR 150 limit); / 1.1180 = 149.96 EUR (within)
        ("FX-2026-000002", "167.65", "ABOVE_THRESHOLD", "DEEMED_SUPPLIER_IMPORT"),
    ],
    ids=["facts-only", "threshold-flips"],
)
def test_replay_after_an_fx_import_agrees(
    db_url, data_dir, order_id, unit_price, stored_reason, fresh_reason
):
    day = date(2026, 10, 30)
    before = Engine()
    assert before.fx.rate("USD", day).rate == Decimal("1.1172")
    order = _order(order_id, unit_price)
    line = {**order, "payment": payment_for(before, order, after_minutes=60)}
    with Ledger(db_url, engine=before) as ledger:
        [result] = list(ledger.commit([json.dumps(line)]))
        assert result.status == "recorded" and result.body["reason"] == stored_reason

    FxStore().import_file(CORRECTED)
    after = Engine()
    assert after.fx.rate("USD", day).rate == Decimal("1.1180")
    fresh = after.quote(order)  # what an unpinned replay would compare against
    assert fresh.reason.value == fresh_reason
    assert fresh.facts.threshold.fx_legs[0].rate == "1.1180"

    with Ledger(db_url, engine=after) as ledger:
        replay = ledger.replay(order_id)
    assert replay.agree, replay.differences
    assert replay.differences == [] and replay.ledger_rows_agree

    # The command line agrees too (a new process reading the same store).
    out = run_levy("replay", order_id, "--db", db_url)
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout)["agree"] is True
