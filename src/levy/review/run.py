"""Running the review notebooks: key figures attached to the outputs, parameters and execution
through papermill on this interpreter's kernel, HTML for reviewers, ``levy review``.

References:
    Papermill's parameters convention: https://papermill.readthedocs.io/en/latest/usage-parameterize.html
"""

from __future__ import annotations

import ast
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from levy.review.ledger import build_sample_ledger

if TYPE_CHECKING:  # pragma: no cover
    from nbformat import NotebookNode

NOTEBOOKS_DIR = Path(__file__).resolve().parent / "notebooks"
"""The review notebooks, shipped inside the package (wheel and sdist)."""
FIGURES_KEY = "levy_key_figures"
"""Output metadata key under which :func:`key_figures` attaches a notebook's figures."""


# --- key figures ------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (Decimal, date)):
        return str(value)
    if hasattr(value, "item"):  # numpy scalars from pandas
        return value.item()
    return value


def _shown(value: Any) -> str:
    """A key figure as the reviewer reads it: no ``None``, no JSON, no Python reprs."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return "<br>".join(f"{k}: {_shown(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value) or "none"
    return str(value)


def key_figures(title: str, figures: Mapping[str, Any]) -> None:
    """Show a notebook's key figures as a table and attach them to the output's metadata.

    Decimals and dates are kept as their exact text, so a test (or a second reviewer) reads
    back the very figures the reviewer saw: :func:`read_key_figures`. The table shows them for
    a person: ``—`` where there is no figure yet, yes/no, one line per entry of a mapping.
    """
    from IPython.display import Markdown, display  # deferred: the notebooks group

    data = _jsonable(figures)
    rows = "\n".join(f"| {name.replace('_', ' ')} | {_shown(value)} |" for name, value in data.items())
    display(Markdown(f"**{title}**\n\n| figure | value |\n|---|---|\n{rows}"),
            metadata={FIGURES_KEY: data})


def read_key_figures(nb: NotebookNode) -> dict[str, Any]:
    """The figures every :func:`key_figures` call of an executed notebook attached, merged."""
    found: dict[str, Any] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            figures = output.get("metadata", {}).get(FIGURES_KEY)
            if figures:
                found.update(figures)
    return found


# --- running ----------------------------------------------------------------------------------


def parameter_cell_index(nb: NotebookNode) -> int:
    """Index of the one cell tagged ``parameters`` (papermill's convention)."""
    found = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(found) != 1:
        raise ValueError(f"a review notebook needs exactly one cell tagged 'parameters', found {len(found)}")
    return found[0]


def parameter_names(nb: NotebookNode) -> list[str]:
    """Names the parameters cell assigns, in order."""
    tree = ast.parse(nb.cells[parameter_cell_index(nb)].source)
    return [t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
            if isinstance(t, ast.Name)]


def check_parameters(nb: NotebookNode, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters as the notebook will receive them, refused when they would not run as asked.

    Raises:
        ValueError: a name the parameters cell does not define (papermill would only warn, and
            a typo would silently run the defaults), or a value that is not a plain literal (the
            injected cell must mean what it says in the HTML).
    """
    known = parameter_names(nb)
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise ValueError(f"unknown notebook parameter(s) {unknown}; the notebook defines {known}")
    checked = {}
    for name, value in parameters.items():
        value = str(value) if isinstance(value, Path) else value
        try:
            ast.literal_eval(repr(value))
        except (ValueError, SyntaxError):
            raise ValueError(f"parameter {name}: {value!r} is not a Python literal") from None
        checked[name] = value
    return checked


def inject_parameters(nb: NotebookNode, parameters: Mapping[str, Any]) -> NotebookNode:
    """Papermill's parameterization: a cell tagged ``injected-parameters`` after the cell tagged
    ``parameters``, assigning each value; ``nb`` is changed in place and returned.

    Raises:
        ValueError: see :func:`check_parameters`.
    """
    from papermill.parameterize import parameterize_notebook  # deferred: the notebooks group

    checked = check_parameters(nb, parameters)
    for cell in nb.cells:  # papermill's loader gives every cell a tags list; nbformat does not
        cell.metadata.setdefault("tags", [])
    nb.metadata.setdefault("papermill", {})
    out = parameterize_notebook(nb, checked, kernel_name="python3", language="python")
    nb.cells[:] = out.cells
    nb.metadata.update(out.metadata)
    return nb


def execute_notebook(
    path: Path | str, parameters: Mapping[str, Any] | None = None, *, timeout: int = 600,
) -> NotebookNode:
    """Execute a notebook with papermill on this interpreter's ipykernel and return it.

    Papermill injects the parameters (:func:`inject_parameters`) and runs the cells through
    nbclient; the kernel is ipykernel's native ``python3`` spec, i.e. ``sys.executable -m
    ipykernel_launcher``: no kernel directory is searched, so neither the user's Jupyter
    configuration nor another environment's kernel can run the review. The working directory is
    the notebook's folder, as in Jupyter.

    Raises:
        papermill.PapermillExecutionError: a cell failed (an assertion of the notebook's own key
            figures included); ``ename`` and ``evalue`` say what it raised.
        ValueError: parameters the notebook would not run as asked (:func:`check_parameters`).
    """
    import nbformat  # deferred: the notebooks group
    import papermill
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    path = Path(path)
    checked = check_parameters(nbformat.read(path, as_version=4), parameters or {})
    with tempfile.TemporaryDirectory(prefix="levy-kernel-") as sockets:
        # Unix: the kernel listens on sockets in a private directory, not on TCP ports.
        transport = {"transport": "ipc", "ip": str(Path(sockets) / "k")} if os.name == "posix" else {}
        km = KernelManager(
            kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[]), **transport
        )
        try:
            return papermill.execute_notebook(
                str(path), None, parameters=checked, kernel_name="python3", language="python",
                progress_bar=False, cwd=str(path.parent), execution_timeout=timeout, km=km,
            )
        finally:
            if km.has_kernel and km.is_alive():
                km.shutdown_kernel(now=True)


def render_html(nb: NotebookNode, dest: Path | str, *, title: str) -> Path:
    """Write an executed notebook as one self-contained HTML page (charts embedded as PNG).

    Code cells are left out: reviewers read the tables, charts and findings; the notebook
    itself is the code.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(body, encoding="utf-8")
    return dest


def notebook_paths(directory: Path | str = NOTEBOOKS_DIR) -> list[Path]:
    return sorted(Path(directory).glob("*.ipynb"))


def _absolute_db(url: str) -> str:
    """A SQLite path or URL relative to where the command runs, made absolute: the notebooks
    run in ``notebooks/``, where a relative path would name another file."""
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    prefix = "sqlite:///"
    if url.startswith(prefix) and len(url) > len(prefix) and not url[len(prefix):].startswith("/"):
        return prefix + str(Path(url[len(prefix):]).resolve())
    return url


def _failure(exc: Exception) -> str:
    """``AssertionError: period 2026-09 does not reconcile``: the error a cell raised, plain."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    text = f"{ename}: {evalue}" if ename else f"{type(exc).__name__}: {exc}"
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def main(argv: Iterable[str] | None = None) -> int:
    """``python -m levy.review html [--out DIR] [--db URL] [--period YYYY-MM] [NOTEBOOK...]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m levy.review", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    html = sub.add_parser("html", help="execute the review notebooks and write them as HTML")
    html.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/*.ipynb")
    html.add_argument("--out", type=Path, default=Path("build") / "notebooks")
    html.add_argument("--db", help="ledger database URL (default: a fresh sample ledger, OUT/sample-ledger.db)")
    html.add_argument("--period", help="month under review, YYYY-MM (default: the notebooks' own)")
    args = parser.parse_args(list(argv) if argv is not None else None)

    db = _absolute_db(args.db) if args.db else None
    if db is None:
        # one fresh sample ledger for all the notebooks, kept beside the pages it produced
        sample = (args.out / "sample-ledger.db").resolve()
        args.out.mkdir(parents=True, exist_ok=True)
        for stale in (sample, sample.with_name(sample.name + "-wal"), sample.with_name(sample.name + "-shm")):
            stale.unlink(missing_ok=True)
        db = f"sqlite:///{sample}"
        build_sample_ledger(db)
        print(f"sample ledger {sample}")
    failed = 0
    for path in args.notebooks or notebook_paths():
        params = {k: v for k, v in (("DB_URL", db), ("PERIOD", args.period)) if v}
        try:
            nb = execute_notebook(path, params)
        except Exception as exc:  # report every notebook, then fail
            print(f"FAILED {path.name}: {_failure(exc)}", file=sys.stderr)
            failed += 1
            continue
        dest = render_html(nb, args.out / f"{path.stem}.html", title=path.stem.replace("_", " "))
        print(f"wrote {dest}")
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
