"""``levy review html``: execute the compliance review notebooks and write them as HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from levy.cli_conventions import FINANCE
from levy.review.run import main as run_review

app = typer.Typer(help="The compliance review notebooks (shipped with levy).", no_args_is_help=True)


@app.command("html")
def html(
    notebooks: Annotated[list[Path] | None, typer.Argument(help="notebooks to run (default: the three shipped with levy)")] = None,
    out: Annotated[Path, typer.Option("--out", help="directory for the HTML pages")] = Path("build") / "notebooks",
    db: Annotated[str | None, typer.Option("--db", help="the ledger under review (default: a fresh sample ledger, OUT/sample-ledger.db)")] = None,
    period: Annotated[str | None, typer.Option("--period", help="the month under review, YYYY-MM (default: the notebooks' own)")] = None,
) -> None:
    """Execute the review notebooks (papermill) and write each as one HTML page, code hidden;
    exit 1 naming every notebook that failed."""
    argv = ["html", "--out", str(out)]
    argv += ["--db", db] if db else []
    argv += ["--period", period] if period else []
    raise typer.Exit(run_review([*argv, *(str(p) for p in notebooks or ())]))


def register(root: typer.Typer) -> None:
    """Add ``levy review`` to the command line."""
    root.add_typer(app, name="review", rich_help_panel=FINANCE)
