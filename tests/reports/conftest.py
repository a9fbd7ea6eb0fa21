"""Fixtures of the report tests (helpers in ``report_helpers``)."""

from __future__ import annotations

import pandas as pd
import pytest
from reports.report_helpers import GOLDEN_LINES, packaged_rates, read_lines


@pytest.fixture(scope="session")
def ecb():
    """The packaged ECB history (no user FX store): the same rates on every machine."""
    return packaged_rates()


@pytest.fixture(scope="session")
def golden_lines() -> pd.DataFrame:
    return read_lines(GOLDEN_LINES)
