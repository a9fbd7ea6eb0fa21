"""Progress bars for the batch commands (``levy commit``, ``levy quote``), drawn with
rich.progress on standard error, only where a person watches: the input is a file of more than
:data:`MIN_LINES` lines and standard error is a terminal. In a pipe, a log or CI, nothing is drawn
and the file is not even counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

MIN_LINES = 10_000
"""Inputs of this many lines or fewer get no bar: they finish before one would help."""


def count_lines(path: str | Path) -> int:
    """Lines in a file (a last line without a newline counts), read in 1 MiB blocks."""
    lines, last = 0, b"\n"
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


def bar_total(source: str, console: Console) -> int | None:
    """The number of lines to show progress over, or ``None`` when no bar is drawn (standard
    input, not a terminal, not a file, :data:`MIN_LINES` lines or fewer)."""
    if source == "-" or not console.is_terminal or not Path(source).is_file():
        return None
    total = count_lines(source)
    return total if total > MIN_LINES else None


@contextmanager
def line_progress(label: str, total: int | None, console: Console) -> Iterator[Callable[[int], None]]:
    """``advance(n)``: a bar over ``total`` lines, or a no-op when ``total`` is ``None``."""
    if total is None:
        yield lambda n=1: None
        return
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n=1: bar.advance(task, n)
