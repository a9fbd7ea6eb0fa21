"""``levy commit | event | refund | replay | totals`` as real subprocesses: output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def lines_of(stdout: str) -> list[dict]:
    return [json.loads(x) for x in stdout.splitlines() if x.strip()]


@pytest.fixture
def batch_file(tmp_path, contract_paid, paid):
    """Two good orders, one paid too late, one invalid."""
    path = tmp_path / "paid.jsonl"
    rows = [contract_paid("AE-1"), paid(order_id="LATE-1", payment={"accepted_at": "2026-11-30T12:00:00+02:00"}),
            contract_paid("AE-2", method="paypal"), {**contract_paid("BAD-1"), "lines": []}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    return path


def test_commit_answers_each_line_in_order_and_exits_2_after_all(levy_cli, batch_file, tmp_path):
    db = str(tmp_path / "ledger.db")  # a plain path: a SQLite file
    first = levy_cli("commit", str(batch_file), "--db", db)
    assert first.returncode == 2, first.stderr
    out = lines_of(first.stdout)
    assert [(x["order_id"], x["status"]) for x in out] == [
        ("AE-1", "recorded"), ("LATE-1", "refused"), ("AE-2", "recorded"), ("BAD-1", "invalid")]
    assert out[1]["error"]["code"] == "PAYMENT_WINDOW_CLOSED" and "order LATE-1" in out[1]["error"]["message"]
    assert out[3]["error"]["code"] == "INVALID_ORDER"
    assert "levy commit: 4 orders: 1 invalid, 2 recorded, 1 refused" in first.stderr
    again = levy_cli("commit", str(batch_file), "--db", db)
    assert [x["status"] for x in lines_of(again.stdout)] == ["unchanged", "refused", "unchanged", "invalid"]


def test_commit_reads_standard_input_and_the_database_from_the_environment(tmp_path, contract_paid):
    env = {"LEVY_DATABASE_URL": f"sqlite:///{tmp_path / 'env.db'}", "PATH": "/usr/bin:/bin"}
    line = json.dumps(contract_paid()) + "\n"
    result = subprocess.run([sys.executable, "-m", "levy", "commit", "-"], input=line, capture_output=True,
                            text=True, env=env, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert lines_of(result.stdout)[0]["status"] == "recorded"
    assert (tmp_path / "env.db").exists() and not (tmp_path / "levy.db").exists()


def test_event_refund_replay_totals(levy_cli, tmp_path, contract_paid):
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps(contract_paid()) + "\n")
    assert levy_cli("commit", str(source), "--db", db).returncode == 0

    shipped = levy_cli("event", "AE-2026-000123", "shipped", "--at", "2026-11-03T10:00:00+00:00", "--db", db)
    assert shipped.returncode == 0
    assert lines_of(shipped.stdout) == [{"order_id": "AE-2026-000123", "status": "recorded", "event": "shipped",
                                         "at": "2026-11-03T10:00:00+00:00", "order_status": "shipped"}]
    early = levy_cli("event", "AE-2026-000123", "dispute", "--at", "2026-11-05T10:00:00+00:00", "--db", db)
    assert early.returncode == 2 and lines_of(early.stdout)[0]["error"]["code"] == "DISPUTE_TOO_EARLY"
    assert levy_cli("event", "AE-2026-000123", "dispute", "--at", "2026-11-09T10:00:00+00:00", "--db", db).returncode == 0

    refund = levy_cli("refund", "AE-2026-000123", "--lines", "TOY-7=1", "--refund-id", "R-1",
                      "--at", "2026-11-10T10:00:00+00:00", "--db", db)
    assert refund.returncode == 0, refund.stderr
    body = lines_of(refund.stdout)[0]
    assert (body["amount"], body["net"], body["vat"], body["order_status"]) == ("35.70", "30.00", "5.70", "shipped")
    again = levy_cli("refund", "AE-2026-000123", "--lines", "TOY-7=1", "--refund-id", "R-1", "--db", db)
    assert again.returncode == 0 and lines_of(again.stdout)[0]["status"] == "unchanged"

    replay = levy_cli("replay", "AE-2026-000123", "--db", db)
    assert replay.returncode == 0 and lines_of(replay.stdout)[0]["agree"] is True

    totals = levy_cli("totals", "--json", "--db", db)
    (row,) = lines_of(totals.stdout)
    assert (row["tax_country"], row["vat"], row["refunded_vat"], row["vat_collected"]) == ("DE", "8.13", "5.70", "2.43")
    table = levy_cli("totals", "--db", db)
    assert table.returncode == 0 and "DE" in table.stdout and "2.43" in table.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["event", "AE-9", "shipped", "--at", "2026-11-03T10:00:00"], "must be an ISO 8601 date-time with its UTC offset"),
        (["refund", "AE-9", "--refund-id", "R-1"], "give exactly one of --full, --amount X or --lines"),
        (["refund", "AE-9", "--refund-id", "R-1", "--lines", "TOY-7"], "--lines takes SKU=QTY"),
    ],
    ids=["naive-at", "no-refund-mode", "bad-lines"],
)
def test_usage_errors_exit_2(levy_cli, tmp_path, args, message):
    result = levy_cli(*args, "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2 and message in result.stderr


def test_unknown_order_exits_2_naming_it(levy_cli, tmp_path):
    result = levy_cli("event", "NOPE-1", "shipped", "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert lines_of(result.stdout)[0]["error"]["code"] == "UNKNOWN_ORDER"


def test_an_unusable_database_exits_1(levy_cli):
    result = levy_cli("totals", "--db", "postgresql://nobody:secret@127.0.0.1:1/none")
    assert result.returncode == 1 and "cannot open the ledger" in result.stderr and "secret" not in result.stderr


def test_quoting_never_imports_sqlalchemy():
    code = "import sys, levy.cli; bad = [m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic', 'psycopg')]; print(bad)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "[]", result.stderr
