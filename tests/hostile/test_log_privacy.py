"""Issue 18: no buyer id, VAT number or address in a log line, tracebacks included."""

from __future__ import annotations

import contextvars

from levy.api.guard import safe_traceback
from levy.api.logs import redact, sensitive


def test_buyer_id_and_postal_code_of_the_request_are_masked():
    def in_request() -> str:
        sensitive(["B-769987-PRIVATE", "10115", None])
        return redact("order failed for buyer B-769987-PRIVATE shipping to 10115")

    assert contextvars.copy_context().run(in_request) == "order failed for buyer B-************TE shipping to *****"


def test_postal_code_fields_are_masked_anywhere():
    assert redact("ShipTo(country='DE', postal_code='10115')") == "ShipTo(country='DE', postal_code='*****')"


def test_a_logged_traceback_names_frames_not_values():
    def fail(buyer_id: str) -> None:
        raise ValueError(f"bad buyer {buyer_id}")

    try:
        fail("B-SECRET-1")
    except ValueError as exc:
        text = safe_traceback(exc)
    assert "builtins.ValueError at" in text and "in fail" in text
    assert "SECRET" not in text
