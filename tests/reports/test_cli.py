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
    return export_with_totals(golden_lines, tmp_path_factory.mktemp("export"), months=("2026-07", "2026-08"))


def test_report_from_parquet_writes_every_scheme_and_prints_totals(export, tmp_path):
    result = runner.invoke(app, ["report", "--period", GOLDEN_PERIOD, "--from-parquet", str(export),
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "EU_IOSS" in result.output and "VAT due" in result.output
    assert "reconciled with the ledger totals exported with the lines" in " ".join(result.output.split())
    written = sorted(tmp_path.glob("*/*/*.csv"))
    expected = sorted((GOLDEN / "expected").glob(f"*-{GOLDEN_PERIOD}-*.csv"))
    assert [f"{p.parts[-3]}-{p.parts[-2]}-{p.name}" for p in written] == [p.name for p in expected]
    for path, golden in zip(written, expected):  # the files of the CLI are the golden files
        assert path.read_bytes() == golden.read_bytes()
    assert len(list(tmp_path.glob("*/*/*.xlsx"))) == len(list(tmp_path.glob("*/*/*.png"))) == 1


def test_the_quarter_from_parquet_is_the_golden_quarter(export, tmp_path):
    result = runner.invoke(app, ["report", "--period", "2026-Q3", "--from-parquet", str(export),
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    expected = sorted((GOLDEN / "expected").glob("*-2026-Q3-*.csv"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CH_PLATFORM", "EU_OSS", "NO_VOEC", "UK_MARKETPLACE"]
    written = sorted(tmp_path.glob("*/*/*.csv"))
    assert [f"{p.parts[-3]}-{p.parts[-2]}-{p.name}" for p in written] == [p.name for p in expected]
    for path, golden in zip(written, expected):
        assert path.read_bytes() == golden.read_bytes()


def test_one_scheme_asked_for(export, tmp_path):
    result = runner.invoke(app, ["report", "--period", "2026-Q3", "--scheme", "NO_VOEC",
                                 "--from-parquet", str(export), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.glob("*/*/*.csv")) == [
        "NO_VOEC/2026-Q3/by-country.csv", "NO_VOEC/2026-Q3/by-currency.csv",
        "NO_VOEC/2026-Q3/corrections.csv"]


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--period", "2026-9"], 2, "is not a month written YYYY-MM or a quarter written YYYY-Qn"),
        (["--period", "2026-Q5"], 2, "is not a month written YYYY-MM or a quarter written YYYY-Qn"),
        (["--period", "2026-09", "--scheme", "EU_OSS"], 2,
         "EU_OSS files quarterly returns: ask for --period 2026-Q3, the quarter 2026-09 falls in (VAT Directive "
         "Art. 369f"),
        (["--period", "2026-Q4", "--scheme", "EU_IOSS"], 2,
         "EU_IOSS files monthly returns: ask for one month of 2026-Q4 at a time, 2026-10 to 2026-12 (VAT "
         "Directive Art. 369s"),
        (["--period", "2026-09", "--from-parquet", "/nonexistent/levy-export"], 1, "levy export --period"),
    ],
    ids=["bad-period", "no-quarter-5", "oss-month", "ioss-quarter", "no-export"],
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
