"""Issue 18: a full disk while ``levy report`` writes: one line, exit 1, no file half written."""

from __future__ import annotations

import errno

import pytest
from reports.report_helpers import GOLDEN_PERIOD, export_with_totals
from typer.testing import CliRunner

from levy.cli import app
from levy.reports import writers


@pytest.fixture(scope="module")
def export(golden_lines, tmp_path_factory):
    return export_with_totals(golden_lines, tmp_path_factory.mktemp("export"))


def test_disk_full_while_writing_leaves_no_partial_report(monkeypatch, export, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "earlier.txt").write_text("kept")
    written = []
    write_xlsx = writers.write_xlsx

    # The golden month files one return (the IOSS; the other schemes file quarterly): the disk
    # fills at its workbook, after its README, CSV and Parquet files were written.
    def full_after_two(scheme, directory):
        if len(written) == 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(scheme)
        return write_xlsx(scheme, directory)

    monkeypatch.setattr(writers, "write_xlsx", full_after_two)
    result = CliRunner().invoke(app, ["report", "--period", GOLDEN_PERIOD, "--from-parquet", str(export),
                                      "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "the disk is full" in result.stderr and "no return of it was written" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["earlier.txt"]
