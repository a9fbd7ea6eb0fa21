"""Issue 18: one order that fails, for any reason, never takes its batch down."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from conftest import build_order
from hostile.corpus import hostile_orders
from levy import cli
from levy.engine import Engine

LEVY = [sys.executable, "-m", "levy"]


def _bug_on(monkeypatch, order_id: str) -> None:
    """Make the engine fail unexpectedly on one order id (a stand-in for any bug)."""
    decide = Engine._decide

    def buggy(self, order):
        if order.order_id == order_id:
            raise ZeroDivisionError("B-secret buyer data must not leak")
        return decide(self, order)

    monkeypatch.setattr(Engine, "_decide", buggy)


@pytest.mark.parametrize("jobs", [1, 2], ids=["one-process", "forked-workers"])
def test_a_bug_in_one_order_is_an_internal_error_in_its_place(monkeypatch, jobs):
    _bug_on(monkeypatch, "BUG")
    monkeypatch.setattr(cli, "PARALLEL_FROM_LINES", 4)
    monkeypatch.setattr(cli, "CHUNK_LINES", 2)
    ids = ["A", "B", "BUG", "C", "D", "E"]
    batch = "\n".join(json.dumps(build_order(order_id=i)) for i in ids) + "\n"
    result = CliRunner().invoke(cli.app, ["quote", "--jobs", str(jobs), "-"], input=batch)
    assert result.exit_code == 2
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["order_id"] for o in out] == ids
    assert out[2]["error"]["code"] == "INTERNAL_ERROR"
    assert "ZeroDivisionError" in out[2]["error"]["message"]
    assert "secret" not in result.stdout
    assert all(o["collect"] is True and o["vat_total"] == "19.00" for i, o in enumerate(out) if i != 2)


@pytest.mark.parametrize("payload", hostile_orders(), ids=lambda p: p[:30])
def test_each_hostile_order_gets_an_error_object_in_its_place(payload):
    batch = "\n".join([json.dumps(build_order(order_id="V-1")), payload.replace("\n", " "),
                       json.dumps(build_order(order_id="V-2"))]) + "\n"
    result = CliRunner().invoke(cli.app, ["quote", "-"], input=batch.encode("utf-8", "surrogatepass"))
    assert result.exit_code == 2, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 3
    assert out[1]["error"]["code"] == "INVALID_ORDER" and out[1]["error"]["fields"]
    assert out[0]["vat_total"] == out[2]["vat_total"] == "19.00"


def test_ten_thousand_orders_with_hostile_ones_at_random_places(tmp_path):
    """Done-when of issue 18: every line answered, every valid order decided as it is alone."""
    rng = random.Random(18)
    hostile = hostile_orders()
    alone = CliRunner().invoke(cli.app, ["quote", "-"], input=json.dumps(build_order(order_id="V"))).stdout
    expected_valid = json.loads(alone)
    lines, is_hostile = [], []
    for i in range(10_000):
        if rng.random() < 0.05:
            lines.append(rng.choice(hostile).replace("\n", " "))
            is_hostile.append(True)
        else:
            lines.append(json.dumps(build_order(order_id=f"V-{i}")))
            is_hostile.append(False)
    path = tmp_path / "batch.jsonl"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
    result = subprocess.run([*LEVY, "quote", "--jobs", "2", str(path)], capture_output=True, timeout=300)
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 10_000
    for i, (answer, bad) in enumerate(zip(out, is_hostile)):
        if bad:
            assert answer["error"]["code"] == "INVALID_ORDER", answer
        else:
            assert {**answer, "order_id": "V"} == expected_valid, i
