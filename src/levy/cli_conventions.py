"""Conventions every ``levy`` command follows: its help panel and its exit codes.

A command module registers its commands with ``rich_help_panel=`` one of the panel names below
(``app.command("calendar", rich_help_panel=FINANCE)``), so ``levy --help`` groups them;
``tests/test_cli_conventions.py`` fails for a command left outside every panel. Exit codes mean
the same in every command (README, "Exit codes"); usage errors (an unknown command or option,
a missing argument) exit 64, ``EX_USAGE`` of BSD ``sysexits.h``, not click's 2, so that 2 always
means invalid input or refused orders.
"""

from __future__ import annotations

CHECKOUT = "Checkout"
"""Deciding orders: ``quote``, ``demo``, ``schema`` (and ``requote``)."""
LEDGER = "Ledger"
"""What was paid and collected: ``commit``, ``event``, ``refund``, ``replay``, ``totals`` (and ``audit``)."""
FINANCE = "Finance"
"""Returns and evidence: ``report``, ``export``, ``vies`` (and ``calendar``, ``review``)."""
REFERENCE_DATA = "Reference data"
"""Rates, exchange rates and regimes: ``rates``, ``fx`` (and ``regimes``)."""
SERVICE = "Service"
"""The checkout service: ``serve``, ``keys``."""
PANELS = (CHECKOUT, LEDGER, FINANCE, REFERENCE_DATA, SERVICE)
"""The panels, in the order ``levy --help`` shows them."""

EXIT_OK = 0
"""Done."""
EXIT_FAILURE = 1
"""A failure: reference data, a database or a server that cannot be used; no VIES answer."""
EXIT_INVALID = 2
"""Invalid input, or orders refused (an invalid order, a payment or refund rule, a conflict)."""
EXIT_UNRECONCILED = 3
"""A ledger that does not reconcile: the report does not add up to it, to the cent."""
EXIT_USAGE = 64
"""A usage error: unknown command or option, missing or malformed argument (``EX_USAGE``)."""
