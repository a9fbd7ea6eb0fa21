"""The example generator (scripts/make_examples.py over examples/catalogue/) reproduces the
committed examples/orders.jsonl byte for byte: the catalogue is the source, the file its output.
The script runs in-process (its main(), as `make examples` runs it) to keep the test fast."""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    make_examples = importlib.import_module("make_examples")
    monkeypatch.setattr("sys.argv", ["make_examples.py", *args])
    return make_examples.main()


def test_generator_reproduces_committed_orders_byte_for_byte(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "orders.jsonl"
    assert _run(monkeypatch, "--out", str(out)) == 0
    assert f"300 orders written to {out}" in capsys.readouterr().out
    assert out.read_bytes() == (ROOT / "examples" / "orders.jsonl").read_bytes()


def _run_with_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                        edit: Callable[[Path], None]) -> str:
    """Run on an edited copy of the catalogue; return the message the run stopped with."""
    catalogue = tmp_path / "catalogue"
    shutil.copytree(ROOT / "examples" / "catalogue", catalogue)
    edit(catalogue)
    with pytest.raises(SystemExit) as stopped:
        _run(monkeypatch, "--catalogue", str(catalogue), "--out", str(tmp_path / "orders.jsonl"))
    assert not (tmp_path / "orders.jsonl").exists()
    return str(stopped.value)


def test_a_vat_number_listed_valid_but_failing_its_checksum_stops_the_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def edit(catalogue: Path) -> None:
        path = catalogue / "vat_numbers.csv"
        path.write_text(path.read_text().replace("DE136695976", "DE136695977"))

    message = _run_with_catalogue(tmp_path, monkeypatch, edit)
    assert "'DE136695977' is not a valid VAT number of DE" in message


def test_an_order_levy_models_refuses_stops_the_run_naming_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def edit(catalogue: Path) -> None:
        # The pinned EUR 150.00 order gets a line of quantity 0, which the contract refuses.
        path = catalogue / "scenarios.json"
        path.write_text(path.read_text().replace('"WIG-4410-22IN-BRN", "quantity": 1',
                                                 '"WIG-4410-22IN-BRN", "quantity": 0'))

    message = _run_with_catalogue(tmp_path, monkeypatch, edit)
    assert "order AE-2026-200230 (eu_import) is not a valid levy order" in message
    assert "lines.0.quantity" in message
