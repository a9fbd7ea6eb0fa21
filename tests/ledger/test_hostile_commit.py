"""Issue 18: ``levy commit`` records every other order when one fails, and reruns do not crash."""

from __future__ import annotations

import json

import pytest

from hostile.corpus import hostile_orders
from levy.engine import Engine
from levy.ledger.store import Ledger


def _ids(results) -> dict[str, str]:
    return {r.order_id: r.status for r in results}


def test_a_bug_while_quoting_one_order_leaves_the_others_recorded(monkeypatch, tmp_path, engine, paid):
    batch = [json.dumps(paid(order_id=i)) for i in ("A", "B", "BUG", "C", "D")]
    decide = Engine._decide

    def buggy(self, order):
        if order.order_id == "BUG":
            raise OverflowError("buyer B-1 data")
        return decide(self, order)

    monkeypatch.setattr(Engine, "_decide", buggy)
    url = f"sqlite:///{tmp_path / 'l.db'}"
    with Ledger(url, engine=engine) as ledger:
        first = list(ledger.commit(batch, chunk_size=2))
        again = list(ledger.commit(batch, chunk_size=2))
        counts = ledger.counts()
    assert _ids(first) == {"A": "recorded", "B": "recorded", "BUG": "failed", "C": "recorded", "D": "recorded"}
    assert _ids(again) == {"A": "unchanged", "B": "unchanged", "BUG": "failed", "C": "unchanged", "D": "unchanged"}
    bug = next(r for r in first if r.order_id == "BUG")
    assert bug.body["error"]["code"] == "INTERNAL_ERROR" and "B-1" not in json.dumps(bug.body)
    assert counts["orders"] == 4


def test_a_bug_while_writing_one_order_leaves_the_others_of_its_chunk_recorded(monkeypatch, tmp_path, engine, paid):
    insert_new = Ledger._insert_new

    def buggy(self, conn, new):
        if any(p.order_id == "BUG" for p in new):
            raise ValueError("row of BUG cannot be written")
        return insert_new(self, conn, new)

    monkeypatch.setattr(Ledger, "_insert_new", buggy)
    batch = [json.dumps(paid(order_id=i)) for i in ("A", "BUG", "C")]
    with Ledger(f"sqlite:///{tmp_path / 'l.db'}", engine=engine) as ledger:
        results = list(ledger.commit(batch, chunk_size=3))
        assert ledger.status("A") == ledger.status("C") == "paid"
        assert ledger.counts()["orders"] == 2
    assert _ids(results) == {"A": "recorded", "BUG": "failed", "C": "recorded"}


@pytest.mark.parametrize("chunk", ["1", "2"])
def test_hostile_lines_in_levy_commit(tmp_path, paid, levy_cli, chunk):
    lines = [json.dumps(paid(order_id="V-1"))]
    for i, payload in enumerate(hostile_orders()):
        lines.append(payload.replace("\n", " "))
        lines.append(json.dumps(paid(order_id=f"V-{i + 2}")))
    path = tmp_path / "orders.jsonl"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
    db = str(tmp_path / "l.db")
    for run in range(2):
        result = levy_cli("commit", str(path), "--db", db, "--chunk", chunk)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        out = [json.loads(line) for line in result.stdout.splitlines()]
        assert len(out) == len(lines)
        valid = [o for o in out if (o.get("order_id") or "").startswith("V-")]
        assert len(valid) == len(hostile_orders()) + 1
        assert {o["status"] for o in valid} == ({"recorded"} if run == 0 else {"unchanged"})
        assert all(o["error"]["code"] == "INVALID_ORDER" for o in out if o not in valid)
