"""The notebooks as shipped, run with their default parameters, read clean: the default period
is one the packaged data can file, nothing on standard error (no warnings), no exception names,
no bare ``None`` where a reader expects a figure or a sentence."""

from __future__ import annotations

import re

import pytest

from levy import review

from .conftest import NOTEBOOKS

NAMES = ["decision_review", "monthly_reconciliation", "rates_review"]
EXCEPTION_NAME = re.compile(r"\b[A-Z]\w*(Error|Exception|Warning)\b|Traceback")
BARE_NONE = re.compile(r"(?<![\w`'\"])None(?![\w`'\"])")


def _texts(nb):
    """(cell index, output type, text) of every output a reader sees."""
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream":
                yield i, f"stream:{output['name']}", output["text"]
            elif output["output_type"] == "error":
                yield i, "error", f"{output['ename']}: {output['evalue']}"
            else:
                data = output.get("data", {})
                yield i, output["output_type"], "\n".join(
                    data[k] for k in ("text/markdown", "text/html", "text/plain") if k in data)


@pytest.fixture(scope="module", params=NAMES)
def shipped(request):
    return request.param, review.execute_notebook(NOTEBOOKS / f"{request.param}.ipynb", timeout=600)


def test_nothing_on_standard_error(shipped):
    name, nb = shipped
    assert [(i, t[:200]) for i, kind, t in _texts(nb) if kind in ("stream:stderr", "error")] == [], name


def test_no_exception_names_and_no_bare_none(shipped):
    name, nb = shipped
    found = [(i, m.group(0)) for i, kind, text in _texts(nb) if not kind.startswith("stream")
             for m in [*EXCEPTION_NAME.finditer(text), *BARE_NONE.finditer(text)]]
    assert found == [], name


def test_the_default_period_can_be_filed(shipped):
    name, nb = shipped
    if name != "monthly_reconciliation":
        pytest.skip("only the reconciliation files returns")
    figures = review.read_key_figures(nb)
    assert (figures["period"], figures["ready_to_file"], figures["fx_missing_day"]) == ("2026-09", True, None)
    assert figures["vat_due"]  # a figure per scheme, not None
