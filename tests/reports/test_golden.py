"""Golden files (style habit 14): the September 2026 returns of the monthly schemes and the
2026-Q3 returns of the quarterly ones, from the committed lines, compared byte for byte.
Regenerate on purpose with ``python scripts/regenerate_golden.py``."""

from __future__ import annotations

import pytest
from reports.report_helpers import GOLDEN, GOLDEN_PERIOD, DictLedger, GOLDEN_LINES

from levy.reports import FrameLines, run_report

GOLDEN_QUARTER = "2026-Q3"
EXPECTED = sorted([*(GOLDEN / "expected").glob(f"*-{GOLDEN_PERIOD}-*.csv"),
                   *(GOLDEN / "expected").glob(f"*-{GOLDEN_QUARTER}-*.csv")])


def folder_name(path) -> tuple[str, str, str]:
    """``EU_OSS-2026-Q3-by-country.csv`` -> (``EU_OSS``, ``2026-Q3``, ``by-country.csv``)."""
    for period in (GOLDEN_PERIOD, GOLDEN_QUARTER):
        scheme, sep, table = path.name.partition(f"-{period}-")
        if sep:
            return scheme, period, table
    raise AssertionError(path.name)


@pytest.fixture(scope="module")
def written(golden_lines, ecb, tmp_path_factory):
    out = tmp_path_factory.mktemp("golden")
    runs = {period: run_report(FrameLines(golden_lines), period, out, fx=ecb, ledger=DictLedger(GOLDEN_LINES))
            for period in (GOLDEN_PERIOD, GOLDEN_QUARTER)}
    return out, runs


def test_every_scheme_of_the_period_has_its_golden_files(written):
    out, runs = written
    assert sorted(runs[GOLDEN_PERIOD].report.schemes) == ["EU_IOSS"]
    assert sorted(runs[GOLDEN_QUARTER].report.schemes) == ["CH_PLATFORM", "EU_OSS", "NO_VOEC", "UK_MARKETPLACE"]
    written_csv = sorted(str(p.relative_to(out)) for p in out.glob("*/*/*.csv"))
    assert written_csv == sorted("/".join(folder_name(p)) for p in EXPECTED)
    assert len(EXPECTED) == 15


@pytest.mark.parametrize("expected", EXPECTED, ids=[p.stem for p in EXPECTED])
def test_report_file_matches_golden_exactly(written, expected):
    out, _ = written
    assert out.joinpath(*folder_name(expected)).read_bytes() == expected.read_bytes()
