"""rates_review.ipynb section 6: rate changes whose primary source does not show them yet.

The expected rows are computed here from ``rates/*.csv`` with the csv module, not from the
notebook's code: a change row (a rate differing from the row before it in its series, or any
rate keyed by tariff code) is listed when its ``source_date`` is empty or before ``valid_from``.
"""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict

from levy.ratebook import default_rates_dir

from .conftest import PERIOD

RATES = default_rates_dir()


def rows(name: str) -> list[dict[str, str]]:
    with open(RATES / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def unshown(rates_dir=RATES) -> tuple[int, list[str]]:
    def read(name):
        with open(rates_dir / name, encoding="utf-8", newline="") as f:
            return list(enumerate(csv.DictReader(f), start=2))

    series = defaultdict(list)
    for line, r in read("vat_rates.csv"):
        series[(r["tax_area"], r["category"])].append((line, r))
    changes = [(f"vat_rates.csv:{line}", r) for rs in series.values()
               for (_, a), (line, r) in zip(rs, rs[1:]) if a["rate_percent"] != r["rate_percent"]]
    changes += [(f"vat_rates_by_tariff.csv:{line}", r) for line, r in read("vat_rates_by_tariff.csv")]
    flagged = sorted(w for w, r in changes if not r["source_date"] or r["source_date"] < r["valid_from"])
    return len(changes), flagged


def test_section_6_lists_the_changes_whose_primary_source_predates_them(run_notebook, tmp_path):
    total, flagged = unshown()
    # DB_URL None: the notebook builds its own sample ledger (section 6 reads only rates/)
    _, figures = run_notebook("rates_review", PERIOD=PERIOD, AS_OF="2026-11-23")
    assert (figures["source_changes"], figures["source_older_than_change_rows"]) == (total, flagged)
    assert figures["source_older_than_change"] == len(flagged) > 0
    # the Czech 2024 changes cite Act No. 349/2023 Coll. as of 2024-01-01: shown, so not listed
    cz_2024 = {f"vat_rates.csv:{n}" for n, r in enumerate(rows("vat_rates.csv"), start=2)
               if r["tax_area"] == "CZ" and r["valid_from"] == "2024-01-01"}
    assert cz_2024 and not cz_2024 & set(flagged)

    # dating one listed row's source to its change takes it off the list
    copy = tmp_path / "rates"
    shutil.copytree(RATES, copy)
    path = copy / "vat_rates.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(w for w in flagged if w.startswith("vat_rates.csv:"))
    n = int(first.split(":")[1])
    record = next(csv.DictReader(lines[:1] + [lines[n - 1]]))
    record["source_date"] = record["valid_from"]
    out = path.open("w", encoding="utf-8", newline="")
    lines[n - 1] = ""
    out.write("".join(lines[: n - 1]))
    csv.DictWriter(out, list(record), lineterminator="\n").writerow(record)
    out.write("".join(lines[n:]))
    out.close()
    _, after = run_notebook("rates_review", PERIOD=PERIOD, AS_OF="2026-11-23", RATES_DIR=str(copy))
    assert after["source_older_than_change_rows"] == [w for w in flagged if w != first] == unshown(copy)[1]
