"""Ledger refusals (why an order, event or refund was not recorded).

Every refusal names the order, the rule it broke (a machine code and the rule in words) and the
amounts or dates that broke it, so that a line of ``levy commit`` output can be read on its own.
They sit under :class:`levy.LevyError` (a ``ValueError``) like the engine's own errors.

>>> err = PaymentRefused("AE-1", "PAYMENT_WINDOW_CLOSED", "paid too late", days=21)
>>> err.body()["error"]["code"], err.body()["error"]["days"]
('PAYMENT_WINDOW_CLOSED', 21)
"""

from __future__ import annotations

from typing import Any

from levy.errors import LevyError


class LedgerError(LevyError):
    """A request the ledger refuses; nothing was written.

    Args:
        order_id: the order concerned (``None`` when the input named none).
        code: machine code of the broken rule, e.g. ``PAYMENT_WINDOW_CLOSED``.
        message: one sentence naming the order, the rule and the offending values.
        **details: structured values for integrators (amounts as decimal strings).
    """

    status = "refused"
    message = "the ledger refused the request"

    def __init__(self, order_id: str | None, code: str, message: str, **details: Any) -> None:
        self.order_id = order_id
        self.code = code
        self.details = details
        super().__init__(message)

    def body(self) -> dict[str, Any]:
        """One JSON line of command output: ``{"order_id", "status", "error": {code, message, ...}}``."""
        return {
            "order_id": self.order_id,
            "status": self.status,
            "error": {"code": self.code, "message": str(self), **self.details},
        }


class PaymentRefused(LedgerError):
    """The payment breaks one of the platform's payment rules (``levy.ledger.payments``)."""


class OrderConflict(LedgerError):
    """The order is already committed with a different payload (idempotency on ``order_id``)."""


class UnknownOrder(LedgerError):
    """No committed order has this ``order_id``."""


class LifecycleRefused(LedgerError):
    """The event is not allowed in the order's current state or at that time."""


class RefundRefused(LedgerError):
    """The refund breaks a refund rule (state, amount, quantity, idempotency)."""


__all__ = [
    "LedgerError",
    "LifecycleRefused",
    "OrderConflict",
    "PaymentRefused",
    "RefundRefused",
    "UnknownOrder",
]
