"""Progress bars of ``levy commit`` and ``levy quote``: only for a file of more than 10,000 lines
when standard error is a terminal."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from levy.progress import MIN_LINES, bar_total, count_lines, line_progress


def lines_file(tmp_path, n: int, last_newline: bool = True):
    path = tmp_path / f"{n}.jsonl"
    path.write_text("{}\n" * (n - 1) + "{}" + ("\n" if last_newline else ""))
    return path


def terminal() -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=100)


@pytest.mark.parametrize(("n", "last_newline"), [(1, True), (3, False), (MIN_LINES + 1, True)])
def test_count_lines(tmp_path, n, last_newline):
    assert count_lines(lines_file(tmp_path, n, last_newline)) == n


@pytest.mark.parametrize(("n", "expected"), [(MIN_LINES, None), (MIN_LINES + 1, MIN_LINES + 1)],
                         ids=["10000-no-bar", "10001-bar"])
def test_a_bar_only_above_10000_lines(tmp_path, n, expected):
    assert bar_total(str(lines_file(tmp_path, n)), terminal()) == expected


def test_no_bar_off_a_terminal_or_on_standard_input(tmp_path):
    big = str(lines_file(tmp_path, MIN_LINES + 1))
    assert bar_total(big, Console(file=io.StringIO(), force_terminal=False)) is None
    assert bar_total("-", terminal()) is None


def test_the_bar_is_drawn_and_counts(tmp_path):
    console = terminal()
    with line_progress("levy commit", 20_000, console) as advance:
        for _ in range(4):
            advance(5_000)
    assert "levy commit" in console.file.getvalue() and "20000/20000" in console.file.getvalue()
    quiet = terminal()
    with line_progress("levy commit", None, quiet) as advance:
        advance(5)
    assert quiet.file.getvalue() == ""
