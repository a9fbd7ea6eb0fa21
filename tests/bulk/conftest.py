"""The ledger fixtures (tests/ledger/conftest.py) for the audit tests."""

from ledger.conftest import contract_paid, db_url, ledger  # noqa: F401  (pytest fixtures)
