"""Where the reference data lives: the ``rates/`` directory, found the same way by every layer."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path


def default_rates_dir() -> Path:
    """``LEVY_RATES_DIR``, else the copy packaged in the wheel, else the repository's ``rates/``."""
    if env := os.environ.get("LEVY_RATES_DIR"):
        return Path(env)
    packaged = resources.files("levy") / "_rates"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "rates"


def rates_file(name: str) -> Path:
    """One file of the rates directory, e.g. ``rates_file("vat_rates.csv")``."""
    return default_rates_dir() / name
