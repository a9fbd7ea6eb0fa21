"""The paid sample batch (examples/paid_orders.jsonl) and the ledger steps of ``make demo``."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from levy.ledger.store import Ledger

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "paid_orders.jsonl"
PLATFORM_SAMPLE = ROOT / "examples" / "platform_orders.jsonl"


@pytest.fixture(scope="module")
def make_payments():
    spec = importlib.util.spec_from_file_location("make_payments", ROOT / "scripts" / "make_payments.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(make_payments, engine):
    return make_payments.build(engine)


def test_sample_is_what_the_script_writes(generated):
    lines, _ = generated
    assert SAMPLE.read_text().splitlines() == lines, (
        "examples/paid_orders.jsonl is stale (the engine's decisions or the rates changed): "
        "run .venv/bin/python scripts/make_payments.py"
    )


@pytest.fixture(scope="module")
def committed(tmp_path_factory, engine):
    db = tmp_path_factory.mktemp("demo") / "ledger.db"
    with Ledger(str(db), engine=engine) as ledger:
        results = list(ledger.commit(SAMPLE.read_bytes().splitlines()))
    return results


def test_only_the_deliberate_payments_are_refused(committed, generated):
    _, expected = generated
    refused = {r.order_id: r.body["error"]["code"] for r in committed if not r.ok}
    assert refused == expected
    assert sorted(set(expected.values())) == ["PAYMENT_AMOUNT_MISMATCH", "PAYMENT_WINDOW_CLOSED",
                                              "PAYPAL_CURRENCY_NOT_SUPPORTED"]
    assert sum(r.status == "recorded" for r in committed) == len(committed) - len(expected)


def test_the_demo_works_on_recorded_orders(committed, tmp_path, engine):
    makefile = (ROOT / "Makefile").read_text()
    demo = makefile[makefile.index("\ndemo:"):]
    demo = demo[: demo.index("\n\n")]
    named = set(re.findall(r"AE-\d{4}-\d{6}", demo))
    assert len(named) >= 4
    recorded = {r.order_id for r in committed if r.status == "recorded"}
    # The demo also commits the platform sample (both platforms, coupons, gift certificates).
    with Ledger(str(tmp_path / "platforms.db"), engine=engine) as ledger:
        recorded |= {r.order_id for r in ledger.commit(PLATFORM_SAMPLE.read_bytes().splitlines())
                     if r.status == "recorded"}
    assert named <= recorded
