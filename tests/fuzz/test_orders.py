"""Fuzz: hostile orders never raise anything but the contract's error, alone or in a batch."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from fuzz.strategies import FUZZ, hostile_orders, valid_orders
from levy import InvalidOrder
from levy import cli


@FUZZ
@given(payload=hostile_orders())
def test_a_hostile_order_gets_a_decision_or_the_contracts_error(engine, payload):
    try:
        decision = engine.quote(payload)
    except InvalidOrder as exc:
        body = exc.body()
        assert body["error"]["code"] == "INVALID_ORDER" and body["error"]["fields"]
        json.dumps(body, ensure_ascii=False).encode("utf-8")  # printable
    else:
        text = decision.model_dump_json()
        assert "E+" not in text and "E-" not in text
        assert decision.gross_total == decision.net_total + decision.vat_total


@settings(FUZZ, max_examples=12)
@given(batch=st.lists(st.tuples(st.booleans(), valid_orders(), hostile_orders()), min_size=1, max_size=12))
def test_a_mixed_batch_keeps_its_length_and_decides_every_valid_order_as_alone(engine, batch):
    lines = [json.dumps(valid) if is_valid else hostile.replace("\n", " ").replace("\r", " ")
             for is_valid, valid, hostile in batch]
    # A line that is blank once stripped is not an order (the contract reads non-blank lines).
    lines = [line if line.strip() else "{}" for line in lines]
    text = "\n".join(lines) + "\n"
    result = CliRunner().invoke(cli.app, ["quote", "-"], input=text.encode("utf-8", "surrogatepass"))
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    out = result.stdout.splitlines()
    if len(lines) == 1 and not lines[0].lstrip().startswith("{"):
        assert len(out) >= 1
        return
    assert len(out) == len(lines)
    for (is_valid, valid, _), answer in zip(batch, out):
        answer = json.loads(answer)
        if is_valid:
            try:
                alone = engine.quote(valid).model_dump(mode="json")
            except InvalidOrder as exc:
                alone = exc.body()
            assert answer == alone
        else:
            assert "error" in answer or "collect" in answer
