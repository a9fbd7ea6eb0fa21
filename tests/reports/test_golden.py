"""Golden files (style habit 14): the September 2026 report of the committed lines, compared
byte for byte. Regenerate on purpose with ``python scripts/regenerate_golden.py``."""

from __future__ import annotations

import pytest
from reports.report_helpers import GOLDEN, GOLDEN_PERIOD, DictLedger, GOLDEN_LINES

from levy.reports import FrameLines, run_report

EXPECTED = sorted((GOLDEN / "expected").glob(f"*-{GOLDEN_PERIOD}-*.csv"))


@pytest.fixture(scope="module")
def written(golden_lines, ecb, tmp_path_factory):
    out = tmp_path_factory.mktemp("golden")
    run = run_report(FrameLines(golden_lines), GOLDEN_PERIOD, out, fx=ecb, ledger=DictLedger(GOLDEN_LINES))
    return out, run


def test_every_scheme_of_the_month_has_its_golden_files(written):
    out, run = written
    assert sorted(run.report.schemes) == ["CH_PLATFORM", "EU_IOSS", "EU_OSS", "NO_VOEC", "UK_MARKETPLACE"]
    assert sorted(p.name for p in out.glob("*.csv")) == [p.name for p in EXPECTED]
    assert len(EXPECTED) == 15


@pytest.mark.parametrize("expected", EXPECTED, ids=[p.stem for p in EXPECTED])
def test_report_file_matches_golden_exactly(written, expected):
    out, _ = written
    assert (out / expected.name).read_bytes() == expected.read_bytes()
