"""``levy report`` on a Parquet export: files, exit codes, and no pandas for ``levy quote``
(the ledger-sourced month, export and reconciliation: ``test_ledger_month.py``)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from reports.report_helpers import GOLDEN, GOLDEN_PERIOD, export_with_totals
from typer.testing import CliRunner

from levy.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def export(golden_lines, tmp_path_factory):
    return export_with_totals(golden_lines, tmp_path_factory.mktemp("export"))


def test_report_from_parquet_writes_every_scheme_and_prints_totals(export, tmp_path):
    result = runner.invoke(app, ["report", "--period", GOLDEN_PERIOD, "--from-parquet", str(export),
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "EU_IOSS" in result.output and "VAT due" in result.output
    assert "reconciled with the ledger totals exported with the lines" in " ".join(result.output.split())
    written = sorted(p.name for p in tmp_path.glob("*.csv"))
    assert written == sorted(p.name for p in (GOLDEN / "expected").glob("*.csv"))
    for name in written:  # the files of the CLI are the golden files
        assert (tmp_path / name).read_bytes() == (GOLDEN / "expected" / name).read_bytes()
    assert len(list(tmp_path.glob("*.xlsx"))) == len(list(tmp_path.glob("*.png"))) == 5


def test_one_scheme_asked_for(export, tmp_path):
    result = runner.invoke(app, ["report", "--period", GOLDEN_PERIOD, "--scheme", "NO_VOEC",
                                 "--from-parquet", str(export), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("*.csv")) == [
        f"NO_VOEC-{GOLDEN_PERIOD}-by-country.csv", f"NO_VOEC-{GOLDEN_PERIOD}-by-currency.csv",
        f"NO_VOEC-{GOLDEN_PERIOD}-corrections.csv"]


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--period", "2026-9"], 2, "not a month written YYYY-MM"),
        (["--period", "2026-09", "--from-parquet", "/nonexistent/levy-export"], 1, "levy export --period"),
    ],
    ids=["bad-period", "no-export"],
)
def test_bad_input_exits_with_a_message(args, code, message, tmp_path):
    result = runner.invoke(app, ["report", *args, "--out", str(tmp_path / "out")])
    assert result.exit_code == code
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "out").exists()


def test_levy_quote_does_not_load_pandas():
    code = "import sys, levy.cli; print(sorted(m for m in ('pandas', 'pyarrow', 'dask') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
