"""``python -m levy.review html`` (``make notebooks``): HTML a reviewer reads without Python."""

from __future__ import annotations

import re

import nbformat

from levy import review

from .conftest import NOTEBOOKS


def test_html_has_the_findings_and_charts_but_no_code(tmp_path, capsys):
    status = review.main(["html", "--out", str(tmp_path), str(NOTEBOOKS / "rates_review.ipynb")])
    assert status == 0
    page = (tmp_path / "rates_review.html").read_text(encoding="utf-8")
    assert capsys.readouterr().out.splitlines() == [
        f"sample ledger {tmp_path / 'sample-ledger.db'}", f"wrote {tmp_path / 'rates_review.html'}"
    ]
    assert "<title>rates review</title>" in page
    # both charts, embedded: the file stands alone
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', page)) == 2
    assert "Standard (general) VAT/GST rate by tax area" not in page  # a chart title is in the PNG,
    assert "Germany (DE)" in page                                      # tables name the countries
    assert "review.chart_style()" not in page and "Traceback" not in page
    assert "is not canonical: write" in page  # the validator's error on the broken copy


def test_html_reports_a_failing_notebook_and_exits_1(tmp_path, capsys):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell('DB_URL = None\nPERIOD = "2026-10"', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell('assert PERIOD == "2026-10", f"period {PERIOD} does not reconcile"'),
    ]
    path = tmp_path / "failing.ipynb"
    nbformat.write(nb, path)
    status = review.main(["html", "--out", str(tmp_path / "out"), "--db", "sqlite://", "--period", "2026-09",
                          str(path)])
    assert status == 1
    err = capsys.readouterr().err
    assert err.startswith("FAILED failing.ipynb: ")
    assert "AssertionError: period 2026-09 does not reconcile" in err
    assert not (tmp_path / "out" / "failing.html").exists()
