"""``levy`` command line: the contract's command-line table, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import build_order

LEVY = [sys.executable, "-m", "levy"]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*LEVY, *args], input=stdin, capture_output=True, text=True, timeout=120)


@pytest.fixture
def order_file(tmp_path) -> Path:
    path = tmp_path / "order.json"
    path.write_text(json.dumps(build_order(), indent=2))
    return path


def test_quote_one_pretty_printed_order(order_file):
    result = run("quote", str(order_file))
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert (decision["scheme"], decision["reason"], decision["vat_total"]) == ("EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "19.00")
    assert result.stdout.count("\n") == 1


def test_quote_pretty(order_file):
    result = run("quote", "--pretty", str(order_file))
    assert result.returncode == 0
    assert result.stdout.startswith("{\n  ")
    assert json.loads(result.stdout)["order_id"] == "T-0001"


def test_quote_json_lines_keeps_order_and_reports_errors_in_place(tmp_path):
    good_1 = build_order(order_id="A-1")
    bad = build_order(order_id="A-2", price=9.99)
    good_2 = build_order(order_id="A-3", channel="offline")
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(json.dumps(o) for o in (good_1, bad, good_2)) + "\n\n")
    result = run("quote", str(path))
    assert result.returncode == 2
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["order_id"] for o in out] == ["A-1", "A-2", "A-3"]
    assert out[0]["reason"] == "DEEMED_SUPPLIER_IMPORT"
    assert out[1] == {"order_id": "A-2", "error": {"code": "INVALID_ORDER", "message": (
        "the order does not fit the contract: lines.0.unit_price: must be a decimal string such as "
        '"12.50", not a JSON number (floats lose cents)'), "fields": [
        {"loc": "lines.0.unit_price", "msg": 'must be a decimal string such as "12.50", not a JSON number (floats lose cents)'}]}}
    assert out[2]["reason"] == "OFFLINE_PAYMENT"


def test_quote_stdin_json_lines_all_valid_exit_0():
    lines = "\n".join(json.dumps(build_order(order_id=f"S-{i}")) for i in range(3))
    result = run("quote", "-", stdin=lines)
    assert result.returncode == 0
    assert [json.loads(l)["order_id"] for l in result.stdout.splitlines()] == ["S-0", "S-1", "S-2"]


def test_quote_stdin_single_object():
    result = run("quote", "-", stdin=json.dumps(build_order(), indent=4))
    assert result.returncode == 0
    assert json.loads(result.stdout)["collect"] is True


def test_quote_single_invalid_order_exits_2_with_error_body(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(build_order(currency="XYZ")))
    result = run("quote", str(path))
    assert result.returncode == 2
    body = json.loads(result.stdout)
    assert body["error"]["fields"] == [{"loc": "currency", "msg": "must be an ISO 4217 currency code, got 'XYZ'"}]
    assert "Traceback" not in result.stderr


def test_quote_missing_file_is_a_message_not_a_traceback(tmp_path):
    result = run("quote", str(tmp_path / "nope.json"))
    assert result.returncode == 1
    assert "cannot read" in result.stderr and "Traceback" not in result.stderr


def test_rates_command_prints_the_table():
    result = run("rates", "DE", "--on", "2026-11-02")
    assert result.returncode == 0, result.stderr
    assert "general" in result.stdout and "19" in result.stdout and "2021-07-01" in result.stdout


def test_rates_command_unknown_country():
    result = run("rates", "ZZ")
    assert result.returncode == 2 and "no rates for 'ZZ'" in result.stderr


def test_schema_command():
    result = run("schema", "order")
    assert result.returncode == 0
    assert "placed_at" in json.loads(result.stdout)["properties"]


def test_bad_rates_dir_is_reported(tmp_path, order_file):
    result = subprocess.run([*LEVY, "quote", str(order_file)], capture_output=True, text=True,
                            env={"LEVY_RATES_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert "cannot load reference data" in result.stderr and "Traceback" not in result.stderr


def test_json_lines_opening_with_a_bad_line_still_answer_line_by_line():
    lines = "not json\n" + json.dumps(build_order(order_id="B-2")) + "\n"
    result = run("quote", "-", stdin=lines)
    assert result.returncode == 2
    out = [json.loads(l) for l in result.stdout.splitlines()]
    assert out[0] == {"order_id": None, "error": {"code": "INVALID_ORDER", "message": (
        "the order does not fit the contract: (order): is not valid JSON"), "fields": [
        {"loc": "(order)", "msg": "is not valid JSON"}]}}
    assert out[1]["order_id"] == "B-2" and out[1]["collect"] is True


def test_large_batch_over_worker_processes_matches_one_process(tmp_path):
    examples = [json.loads(l) for l in (Path(__file__).resolve().parents[1] / "examples" / "orders.jsonl").read_text().splitlines() if l.strip()]
    lines = []
    for i in range(9000):  # above levy.cli.PARALLEL_FROM_LINES
        order = dict(examples[i % len(examples)], order_id=f"P-{i:05d}")
        lines.append(json.dumps(order))
    lines[5000] = '{"order_id": "P-BAD", "lines": []}'
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n")
    parallel = run("quote", "--jobs", "2", str(path))
    serial = run("quote", "--jobs", "1", str(path))
    assert parallel.returncode == serial.returncode == 2
    assert parallel.stdout == serial.stdout
    out = parallel.stdout.splitlines()
    assert len(out) == 9000 and json.loads(out[5000])["order_id"] == "P-BAD"
    assert json.loads(out[8999])["order_id"] == "P-08999"
