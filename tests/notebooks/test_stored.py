"""The notebooks as stored: no outputs, one papermill-style parameters cell, the runner's rules."""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from levy import review

from .conftest import NOTEBOOKS

PATHS = review.notebook_paths(NOTEBOOKS)
EXPECTED = ["decision_review", "monthly_reconciliation", "rates_review"]


def test_the_three_review_notebooks_are_there():
    assert [p.stem for p in PATHS] == EXPECTED


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        (i, what)
        for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
        for what, bad in (("outputs", cell.outputs), ("execution_count", cell.execution_count is not None),
                          ("execution metadata", "execution" in cell.metadata))
        if bad
    ]
    assert dirty == [], f"{path.name}: clear the outputs before committing (cells {dirty})"
    assert not {"widgets", "papermill"} & set(nb.metadata), f"{path.name}: run-time metadata stored"
    assert nb.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_parameters_cell_takes_db_url_and_period_as_literals(path):
    nb = nbformat.read(path, as_version=4)
    cell = nb.cells[review.parameter_cell_index(nb)]
    names = review.parameter_names(nb)
    assert names[:2] == ["DB_URL", "PERIOD"]
    for node in ast.parse(cell.source).body:
        assert isinstance(node, ast.Assign), f"{path.name}: the parameters cell only assigns"
        ast.literal_eval(node.value)  # a literal, so an injected cell can replace it


@pytest.mark.parametrize(
    ("parameters", "error"),
    [
        ({"DB_URLL": "sqlite://"}, "unknown notebook parameter(s) ['DB_URLL']"),
        ({"PERIOD": object()}, "parameter PERIOD: <object object at"),
    ],
    ids=["typo", "not-a-literal"],
)
def test_injection_refuses_what_would_not_run_as_asked(parameters, error):
    nb = nbformat.read(NOTEBOOKS / "rates_review.ipynb", as_version=4)
    with pytest.raises(ValueError, match=re.escape(error)):
        review.inject_parameters(nb, parameters)


def test_injected_cell_follows_the_parameters_cell():
    nb = nbformat.read(NOTEBOOKS / "rates_review.ipynb", as_version=4)
    at = review.parameter_cell_index(nb)
    review.inject_parameters(nb, {"PERIOD": "2026-09", "AS_OF": None})
    cell = nb.cells[at + 1]
    assert cell.metadata.tags == ["injected-parameters"]
    assert cell.source.splitlines()[1:] == ['PERIOD = "2026-09"', "AS_OF = None"]  # papermill's translation
