"""The ``levy`` command's conventions: every command in a help panel, the panels in order,
one exit code per meaning (usage errors 64), one name per option, and ``levy quote``'s summary
of invalid orders on standard error."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer.main
from conftest import build_order
from sqlalchemy import text
from typer.testing import CliRunner

from levy.cli import app, invalid_summary
from levy.cli_conventions import EXIT_INVALID, EXIT_UNRECONCILED, EXIT_USAGE, PANELS

runner = CliRunner()


def test_every_command_sits_in_a_panel_and_the_panels_come_in_order():
    group = typer.main.get_command(app)
    outside = sorted(name for name, command in group.commands.items() if command.rich_help_panel not in PANELS)
    assert outside == []
    shown = runner.invoke(app, ["--help"], env={"COLUMNS": "120"}).stdout
    positions = [shown.index(f"─ {panel} ") for panel in PANELS]
    assert positions == sorted(positions)
    assert shown.index(" quote ") < shown.index("─ Ledger ") < shown.index(" commit ") < shown.index("─ Finance ")


@pytest.mark.parametrize("args", [
    ["nosuch"],
    ["quote"],
    ["quote", "--no-such-option", "x"],
    ["vies", "check"],
    ["vies", "check", "DE136695976", "--timeout", "soon"],
    ["fx", "rate"],
    ["keys", "add", "web"],
    [],
], ids=["unknown-command", "missing-argument", "unknown-option", "sub-group-missing-argument",
        "malformed-value", "nested-missing", "missing-required-option", "no-arguments"])
def test_usage_errors_exit_64(args):
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_USAGE, result.output


def test_usage_error_exit_code_through_the_console_script():
    done = subprocess.run([sys.executable, "-m", "levy", "quote", "--no-such-option"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 64 and "No such option" in done.stderr


def test_quote_summarises_invalid_orders_on_standard_error(tmp_path):
    good = build_order(order_id="OK-1")
    orders = [good, {**good, "order_id": "BAD-1", "currency": "XXX"}, {**good, "order_id": "OK-2"},
              {**good, "order_id": "BAD-2", "lines": []}]
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(json.dumps(o) for o in orders) + "\n")
    result = runner.invoke(app, ["quote", str(path)])
    assert result.exit_code == EXIT_INVALID
    assert [json.loads(x)["order_id"] for x in result.stdout.splitlines()] == ["OK-1", "BAD-1", "OK-2", "BAD-2"]
    assert result.stderr == "levy quote: 2 of 4 orders invalid (orders 2, 4 of the input); 2 decided\n"
    path.write_text(json.dumps(good) + "\n")
    clean = runner.invoke(app, ["quote", str(path)])
    assert clean.exit_code == 0 and clean.stderr == ""


def test_invalid_summary_names_ten_orders_at_most():
    assert invalid_summary(1, [0]) == "levy quote: 1 of 1 orders invalid (order 1 of the input); 0 decided"
    assert invalid_summary(50, list(range(12))).endswith("(orders 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more "
                                                         "of the input); 38 decided")


def test_the_keys_file_is_keys_everywhere_and_file_a_hidden_alias(tmp_path):
    keys = tmp_path / "keys.json"
    added = runner.invoke(app, ["keys", "add", "web", "--role", "checkout", "--keys", str(keys)])
    assert added.exit_code == 0, added.output
    assert added.stdout.startswith("levy_") and "deprecated" not in added.stderr
    legacy = runner.invoke(app, ["keys", "list", "--file", str(keys)])
    assert legacy.exit_code == 0 and legacy.stdout.startswith("web\tcheckout\t")
    assert "levy: --file is deprecated, use --keys" in legacy.stderr
    assert runner.invoke(app, ["keys", "list", "-f", str(keys)]).stdout.startswith("web\t")
    both = runner.invoke(app, ["keys", "list", "--keys", str(keys), "--file", str(tmp_path / "other.json")])
    assert both.exit_code == EXIT_USAGE
    for command in (["keys", "add"], ["keys", "list"], ["keys", "revoke"], ["serve"]):
        shown = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"}).stdout
        assert "--keys" in shown and "--file" not in shown, command
    revoked = runner.invoke(app, ["keys", "revoke", "web", "--keys", str(keys)])
    assert revoked.exit_code == 0 and json.loads(keys.read_text()).get("keys", []) == []


def test_a_replay_that_disagrees_exits_3(tmp_path, engine):
    from ledger.conftest import payment_for  # noqa: PLC0415 - the ledger tests' payment builder

    from levy.ledger.store import Ledger

    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    order = build_order(order_id="RP-1")
    with Ledger(db, engine=engine) as ledger:
        assert [r.status for r in ledger.commit([{**order, "payment": payment_for(engine, order)}])] == ["recorded"]
        with ledger.db.begin() as conn:  # the stored facts no longer give the stored decision
            conn.execute(text("UPDATE orders SET payload = replace(payload, '\"100.00\"', '\"90.00\"')"))
    result = runner.invoke(app, ["replay", "RP-1", "--db", db])
    assert result.exit_code == EXIT_UNRECONCILED, result.output
    assert json.loads(result.stdout)["agree"] is False
