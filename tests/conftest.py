"""Shared fixtures: one Engine on the real rates/, and an order factory."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from levy import Engine

FIXTURES = Path(__file__).parent / "fixtures"

BASE_ORDER = {
    "order_id": "T-0001",
    "placed_at": "2026-10-15T12:00:00+02:00",
    "channel": "online",
    "currency": "EUR",
    "seller": {"id": "S-1", "country": "CN"},
    "ship_from": "CN",
    "ship_to": {"country": "DE", "postal_code": "10115"},
    "buyer": {"id": "B-1"},
    # hs_code (contract v1.1): the EU flat duty groups lines by it from 2026-07-01; without it
    # every EU import after that date would also warn HS_CODE_MISSING.
    "lines": [{"sku": "SKU-1", "quantity": 1, "unit_price": "100.00", "category": "general", "hs_code": "4202.92"}],
    "shipping": "0",
}


def build_order(**changes) -> dict:
    """``BASE_ORDER`` with top-level keys replaced; ``to``/``postal``/``vat``/``price``/``category``
    are shortcuts for the nested fields most tests vary."""
    order = copy.deepcopy(BASE_ORDER)
    if "to" in changes:
        order["ship_to"]["country"] = changes.pop("to")
    if "postal" in changes:
        order["ship_to"]["postal_code"] = changes.pop("postal")
    if "vat" in changes:
        order["buyer"]["vat_number"] = changes.pop("vat")
    if "exemption" in changes:
        order["buyer"]["exemption"] = changes.pop("exemption")
    if "seller_country" in changes:
        order["seller"]["country"] = changes.pop("seller_country")
    if "price" in changes:
        order["lines"][0]["unit_price"] = changes.pop("price")
    if "category" in changes:
        order["lines"][0]["category"] = changes.pop("category")
    order.update(changes)
    return order


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """The project's wheel, built once per test session (packaging tests of rates and ledger)."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("dist")
    root = Path(__file__).resolve().parents[1]
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(root)],
        check=True, capture_output=True, timeout=300,
    )
    (path,) = out.glob("levy-*.whl")
    return path


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine()


@pytest.fixture(scope="session")
def quote(engine):
    """Quote a dict and return the decision as the contract's JSON (a dict)."""

    def _quote(order: dict) -> dict:
        return json.loads(engine.quote(order).model_dump_json())

    return _quote


@pytest.fixture
def make_order():
    return build_order


_DATA_DIR = pytest.StashKey[object]()


def pytest_configure(config):
    """Point ``LEVY_DATA_DIR`` at an empty directory for the whole run (and its subprocesses).

    ``Engine()`` lays the FX store of ``LEVY_DATA_DIR`` (default ``~/.local/share/levy``) over
    the packaged ECB history: without this, a developer's own ``levy fx import`` would change
    the rates every test sees. Set here, not in a fixture, because some test modules build an
    ``Engine`` at import time. Tests of the store set their own directory with ``monkeypatch``.
    """
    import os
    import tempfile

    config.stash[_DATA_DIR] = tempfile.TemporaryDirectory(prefix="levy-test-data-")
    os.environ["LEVY_DATA_DIR"] = config.stash[_DATA_DIR].name


def pytest_unconfigure(config):
    data_dir = config.stash.get(_DATA_DIR, None)
    if data_dir is not None:
        data_dir.cleanup()
